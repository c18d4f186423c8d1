using Cds.Contracts;
using Cds.Rules;
using Xunit;
using static Cds.Enrichment.Tests.Fixtures;

namespace Cds.Enrichment.Tests;

/// <summary>Medications are recognised by ingredient: listed product codes, then the ingredient code, then the ingredient's name.</summary>
public sealed class IngredientRecognitionTests
{
    private const string EpicMedicationOid = "urn:oid:1.2.840.114350.1.13.0.1.7.2.698288";

    private static RuleOutcome Single(IReadOnlyList<RuleOutcome> outcomes, string topic) => Assert.Single(outcomes, o => o.Finding.TopicCode == topic);

    [Theory]
    [InlineData(HookNames.OrderSelect)]
    [InlineData(HookNames.OrderSign)]
    public void The_CDS_Hooks_sandbox_extended_release_metformin_gets_the_renal_card_at_eGFR_25(string hook)
    {
        // RxNorm 860975 is not a listed product: its RxNorm name names the ingredient.
        var draft = new DraftMedication("draft-xr", [new ClinicalCode(CodeSystems.RxNorm, "860975", "24 HR Metformin hydrochloride 500 MG Extended Release Oral Tablet")], null);

        var (card, finding) = Single(Evaluate(hook, CkdOnMetformin(), draft), "CDSRENALDOSE");

        Assert.Contains("metformin", card.Summary);
        Assert.Contains("25", card.Summary);
        Assert.Contains("draft=rxnorm|860975", finding.Evidence);
        Assert.Contains("ingredient=rxnorm|6809", finding.Evidence);
        Assert.Contains("recognised-by=name", finding.Evidence);
    }

    [Fact]
    public void The_ingredient_code_itself_is_recognised_and_a_listed_code_wins_over_the_name()
    {
        var vocabulary = ShippedRules.Vocabulary;

        var byIngredientCode = vocabulary.Recognise([Rx("6809")], null);
        Assert.Equal(["metformin"], byIngredientCode.Ingredients);
        Assert.Equal(RecognisedBy.Code, byIngredientCode.By);
        // A listed lisinopril product whose display (wrongly) says metformin: the code decides.
        var byProduct = vocabulary.Recognise([new ClinicalCode(CodeSystems.RxNorm, "314076", "metformin 500 MG")], "metformin");
        Assert.Equal(["lisinopril"], byProduct.Ingredients);
        Assert.Equal(RecognisedBy.Code, byProduct.By);
    }

    [Fact]
    public void A_product_known_only_by_its_display_text_is_recognised()
    {
        // An Epic-local code the vocabulary cannot know, with the medication's text only.
        var draft = new DraftMedication("draft-penv", [new ClinicalCode(EpicMedicationOid, "50124")], "PENICILLIN V POTASSIUM 500 MG PO TABS");

        var (card, finding) = Single(Evaluate(HookNames.OrderSelect, PenicillinAllergic(), draft), "CDSDRUGALLERGY");

        Assert.Equal(Indicators.Critical, card.Indicator);
        Assert.Contains("penicillin V", card.Summary);
        Assert.Contains("ingredient=rxnorm|7984", finding.Evidence);
        Assert.Contains("recognised-by=name", finding.Evidence);
    }

    [Theory]
    [InlineData("piperacillin 4000 MG / tazobactam 500 MG Injection", "piperacillin")]
    [InlineData("amoxicillin 875 MG / clavulanate potassium 125 MG Oral Tablet", "amoxicillin")]
    [InlineData("Dicloxacillin Sodium 250 MG Oral Capsule", "dicloxacillin")]
    [InlineData("nafcillin 2000 MG Injection", "nafcillin")]
    [InlineData("oxacillin 1 GM in 50 ML injection", "oxacillin")]
    [InlineData("penicillin G benzathine 1200000 UNT/2ML Injectable Suspension", "penicillin G")]
    [InlineData("ampicillin 1000 MG / sulbactam 500 MG Injection", "ampicillin")]
    public void Penicillins_and_their_combinations_are_recognised_by_name_for_a_penicillin_allergy(string text, string drug)
    {
        var draft = new DraftMedication("draft-1", [new ClinicalCode(CodeSystems.RxNorm, "9999991")], text);

        var (card, _) = Single(Evaluate(HookNames.OrderSign, PenicillinAllergic(), draft), "CDSDRUGALLERGY");

        Assert.Contains(drug, card.Summary);
    }

    [Theory]
    [InlineData("penicillamine 250 MG Oral Capsule")]
    [InlineData("PENICILLAMINE 250 MG PO CAPS")]
    [InlineData("cefalexin 500 MG Oral Capsule")]
    public void Penicillamine_and_other_look_alikes_are_not_penicillins(string text)
    {
        var draft = new DraftMedication("draft-1", [new ClinicalCode(EpicMedicationOid, "8899")], text);

        Assert.Empty(Evaluate(HookNames.OrderSelect, PenicillinAllergic(), draft));
        Assert.Equal(RecognisedBy.None, ShippedRules.Vocabulary.Recognise(draft.Codes, draft.Text).By);
    }

    [Fact]
    public void Sitagliptin_metformin_gets_the_renal_card_and_an_active_combination_is_a_duplicate_of_metformin()
    {
        var combination = new DraftMedication("draft-janumet", [new ClinicalCode(CodeSystems.RxNorm, "9999992", "sitagliptin 50 MG / metformin hydrochloride 1000 MG Oral Tablet")], null);

        Single(Evaluate(HookNames.OrderSelect, CkdOnMetformin(), combination), "CDSRENALDOSE");
        var onCombination = Patient("p") with
        {
            ActiveMedications = [new MedicationEntry("m", [new ClinicalCode(EpicMedicationOid, "77")], "active", Now.AddDays(-30), "Sitagliptin-Metformin 50-500 MG PO TABS")],
        };
        Single(Evaluate(HookNames.OrderSign, onCombination, Metformin()), "CDSDUPTHERAPY");
    }

    [Theory]
    [InlineData("Perindopril erbumine 4 MG Oral Tablet")]
    [InlineData("trandolapril 2 MG Oral Tablet")]
    [InlineData("fosinopril sodium 20 MG Oral Tablet")]
    [InlineData("moexipril hydrochloride 7.5 MG Oral Tablet")]
    [InlineData("benazepril hydrochloride 10 MG / amlodipine 5 MG Oral Capsule")]
    public void Every_ACE_inhibitor_is_a_class_duplicate_of_active_lisinopril(string text)
    {
        var draft = new DraftMedication("draft-ace", [new ClinicalCode(EpicMedicationOid, "555")], text);

        var (card, _) = Single(Evaluate(HookNames.OrderSign, OnLisinopril(), draft), "CDSDUPTHERAPY");

        Assert.Contains("ACE inhibitors", card.Summary);
    }

    [Fact]
    public void Medications_no_vocabulary_recognises_are_listed_by_code_never_by_text()
    {
        var patient = OnLisinopril() with
        {
            ActiveMedications =
            [
                .. OnLisinopril().ActiveMedications,
                new MedicationEntry("m-statin", [Rx("617312")], "active", Now.AddDays(-10), "atorvastatin 40 MG Oral Tablet"),
                new MedicationEntry("m-old", [Rx("617313")], "stopped", Now.AddDays(-900), "something stopped"),
            ],
        };
        var input = Input(HookNames.OrderSign, patient,
            Metformin(),
            new DraftMedication("d-2", [new ClinicalCode(EpicMedicationOid, "8899")], "penicillamine 250 MG Oral Capsule"),
            new DraftMedication("d-3", [], "a compounded cream"));

        var found = UnrecognisedMedications.Find(ShippedRules, input);

        Assert.Equal(["draft " + EpicMedicationOid + "|8899", "draft text-only", "active rxnorm|617312"], found.Select(f => f.ToString()));
        Assert.DoesNotContain(found, f => f.Codes.Any(c => c.Contains("penicillamine", StringComparison.OrdinalIgnoreCase)));
        // patient-view runs no medication rule: nothing is "unrecognised" there.
        Assert.Empty(UnrecognisedMedications.Find(ShippedRules, Input(HookNames.PatientView, patient, Metformin())));
    }

    [Fact]
    public void Every_medication_rule_ingredient_has_a_name()
    {
        var vocabulary = ShippedRules.Vocabulary;
        Assert.All(vocabulary.Ingredients, i => Assert.NotEmpty(i.Names ?? []));
        foreach (var expected in new[] { "amoxicillin", "ampicillin", "penicillin-g", "penicillin-v", "piperacillin", "nafcillin", "oxacillin",
                     "dicloxacillin", "lisinopril", "enalapril", "ramipril", "captopril", "benazepril", "quinapril", "fosinopril", "perindopril",
                     "trandolapril", "moexipril", "metformin" })
        {
            Assert.NotNull(vocabulary.Ingredient(expected));
        }
        Assert.Equal("6809", vocabulary.Ingredient("metformin")!.RxNorm);
        Assert.Equal("723", vocabulary.Ingredient("amoxicillin")!.RxNorm);
        Assert.Equal("29046", vocabulary.Ingredient("lisinopril")!.RxNorm);
        Assert.Equal("3827", vocabulary.Ingredient("enalapril")!.RxNorm);
    }
}
