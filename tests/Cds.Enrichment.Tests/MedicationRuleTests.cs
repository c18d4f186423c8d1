using Cds.Contracts;
using Cds.Rules;
using Xunit;
using static Cds.Enrichment.Tests.Fixtures;

namespace Cds.Enrichment.Tests;

public sealed class MedicationRuleTests
{
    private static IReadOnlyList<RuleOutcome> ByTopic(IReadOnlyList<RuleOutcome> outcomes, string topic) =>
        [.. outcomes.Where(o => o.Finding.TopicCode == topic)];

    [Theory]
    [InlineData(HookNames.OrderSelect)]
    [InlineData(HookNames.OrderSign)]
    public void Penicillin_allergic_patient_with_amoxicillin_draft_gets_a_critical_allergy_card_with_a_remove_suggestion(string hook)
    {
        var outcomes = Evaluate(hook, PenicillinAllergic(), Amoxicillin());

        var (card, finding) = Assert.Single(outcomes);
        Assert.Equal(Indicators.Critical, card.Indicator); // criticality "high"
        Assert.Equal("CDSDRUGALLERGY", card.Source.Topic!.Code);
        Assert.Equal("Drug-allergy check", card.Source.Label);
        Assert.StartsWith("https://", card.Source.Url);
        Assert.Contains("amoxicillin", card.Summary);
        Assert.Contains("penicillins", card.Summary);
        Assert.Equal("any", card.SelectionBehavior);

        var suggestion = Assert.Single(card.Suggestions!);
        var action = Assert.Single(suggestion.Actions!);
        Assert.Equal("delete", action.Type);
        Assert.Equal("MedicationRequest/draft-amox-1", action.ResourceId);
        Assert.Contains(card.OverrideReasons!, r => r.Display == "Patient has tolerated before");
        Assert.Contains(card.OverrideReasons!, r => r.Display == "Benefit outweighs risk");

        Assert.Equal("drug-allergy", finding.RuleId);
        Assert.Equal("1.0.0", finding.RuleVersion);
        Assert.True(finding.FlagForDocumentation);
        Assert.Contains("draft=rxnorm|308191", finding.Evidence);
        Assert.Contains("ingredient=rxnorm|723", finding.Evidence);
        Assert.Contains("allergy=rxnorm|70618", finding.Evidence);
        Assert.Contains("class=penicillins", finding.Evidence);
        Assert.DoesNotContain(finding.Evidence, e => e.Contains("Penicillin", StringComparison.Ordinal) || e.Contains("500 MG", StringComparison.Ordinal));
    }

    [Fact]
    public void Snomed_penicillin_allergy_of_low_criticality_gives_a_warning_for_ampicillin()
    {
        var patient = Patient("p") with { Allergies = [new AllergyEntry("a", [Sct("91936005")], "active", "low", null)] };

        var (card, finding) = Assert.Single(Evaluate(HookNames.OrderSelect, patient, Ampicillin()));

        Assert.Equal(Indicators.Warning, card.Indicator);
        Assert.False(finding.FlagForDocumentation);
        Assert.Contains("ampicillin", card.Summary);
    }

    [Fact]
    public void Amoxicillin_allergy_cross_reacts_with_ampicillin_through_the_penicillin_class()
    {
        var patient = Patient("p") with { Allergies = [new AllergyEntry("a", [Sct("294505008")], null, null, null)] };

        var (card, finding) = Assert.Single(Evaluate(HookNames.OrderSelect, patient, Ampicillin()));

        Assert.Equal(Indicators.Warning, card.Indicator);
        Assert.Contains("criticality=not recorded", finding.Evidence);
        Assert.Contains("class=penicillins", finding.Evidence);
    }

    [Fact]
    public void Allergy_coded_with_an_hl7_oid_system_still_matches()
    {
        var patient = Patient("p") with
        {
            Allergies = [new AllergyEntry("a", [new ClinicalCode("urn:oid:2.16.840.1.113883.6.96", "764146007")], "active", "high", null)],
        };

        Assert.Single(Evaluate(HookNames.OrderSign, patient, Amoxicillin()));
    }

    [Theory]
    [InlineData("resolved")]
    [InlineData("inactive")]
    public void Resolved_or_inactive_allergy_gives_no_card(string status)
    {
        var patient = Patient("p") with { Allergies = [new AllergyEntry("a", [Rx("70618")], status, "high", null)] };

        Assert.Empty(Evaluate(HookNames.OrderSelect, patient, Amoxicillin()));
    }

    [Fact]
    public void Allergy_to_an_unrelated_drug_class_gives_no_card()
    {
        var patient = PenicillinAllergic();

        Assert.Empty(Evaluate(HookNames.OrderSelect, patient, Enalapril()));
    }

    [Fact]
    public void Draft_without_an_id_gets_a_card_but_no_suggestion()
    {
        var (card, _) = Assert.Single(Evaluate(HookNames.OrderSelect, PenicillinAllergic(), Amoxicillin(id: null)));

        Assert.Null(card.Suggestions);
        Assert.Null(card.SelectionBehavior);
    }

    [Fact]
    public void Draft_referenced_as_a_relative_reference_is_deleted_by_that_reference()
    {
        var (card, _) = Assert.Single(Evaluate(HookNames.OrderSelect, PenicillinAllergic(), Amoxicillin(id: "MedicationRequest/abc-1")));

        Assert.Equal("MedicationRequest/abc-1", card.Suggestions![0].Actions![0].ResourceId);
    }

    [Fact]
    public void Ckd_patient_with_egfr_25_and_metformin_draft_gets_a_renal_warning_with_value_and_date()
    {
        var outcomes = Evaluate(HookNames.OrderSelect, CkdOnMetformin(), Metformin());

        var (card, finding) = Assert.Single(ByTopic(outcomes, "CDSRENALDOSE"));
        Assert.Equal(Indicators.Warning, card.Indicator);
        Assert.Contains("25", card.Summary);
        Assert.Contains("2026-10-15", card.Summary);
        Assert.Contains("metformin", card.Summary);
        Assert.Contains("**25 mL/min/1.73 m2**", card.Detail);
        Assert.Contains("2026-10-15", card.Detail);
        Assert.Contains("contraindicated", card.Detail);
        Assert.Equal("MedicationRequest/draft-metformin-1", card.Suggestions![0].Actions![0].ResourceId);
        Assert.Contains("egfr=loinc|33914-3", finding.Evidence);
        Assert.Contains("value=25", finding.Evidence);
        Assert.Contains("unit=mL/min/{1.73_m2}", finding.Evidence);
        Assert.Contains("effective=2026-10-15", finding.Evidence);
        Assert.Contains("threshold=30", finding.Evidence);

        // The same patient already takes metformin: the draft is also a duplicate (same ingredient).
        var duplicate = Assert.Single(ByTopic(outcomes, "CDSDUPTHERAPY"));
        Assert.Contains("duplicate=ingredient", duplicate.Finding.Evidence);
    }

    [Theory]
    [InlineData(30, 10)] // at the threshold: not below
    [InlineData(52, 10)]
    [InlineData(20, 400)] // older than maxAgeDays (365): too stale to judge, and not "normal" either — no card
    public void Renal_rule_stays_silent_when_egfr_is_not_below_threshold_or_too_old(int egfr, int daysAgo)
    {
        var patient = Patient("p") with
        {
            Labs = [new LabResult("e", [Loinc("62238-1")], egfr, "mL/min/{1.73_m2}", Now.AddDays(-daysAgo), "final")],
        };

        Assert.Empty(Evaluate(HookNames.OrderSelect, patient, Metformin()));
    }

    [Fact]
    public void Renal_rule_uses_the_latest_egfr_not_the_lowest()
    {
        var patient = Patient("p") with
        {
            Labs =
            [
                new LabResult("old", [Loinc("33914-3")], 22m, "mL/min/{1.73_m2}", Now.AddDays(-90), "final"),
                new LabResult("new", [Loinc("98979-8")], 41m, "mL/min/{1.73_m2}", Now.AddDays(-5), "final"),
            ],
        };

        Assert.Empty(Evaluate(HookNames.OrderSelect, patient, Metformin()));
    }

    [Fact]
    public void Renal_rule_ignores_egfr_in_an_unexpected_unit_or_without_date_or_entered_in_error()
    {
        var patient = Patient("p") with
        {
            Labs =
            [
                new LabResult("unit", [Loinc("33914-3")], 20m, "mL/s", Now.AddDays(-5), "final"),
                new LabResult("nodate", [Loinc("33914-3")], 20m, "mL/min/{1.73_m2}", null, "final"),
                new LabResult("error", [Loinc("33914-3")], 20m, "mL/min/{1.73_m2}", Now.AddDays(-1), "entered-in-error"),
            ],
        };

        Assert.Empty(Evaluate(HookNames.OrderSelect, patient, Metformin()));
    }

    [Fact]
    public void Patient_on_lisinopril_with_enalapril_draft_gets_a_class_duplicate_card()
    {
        var (card, finding) = Assert.Single(Evaluate(HookNames.OrderSelect, OnLisinopril(), Enalapril()));

        Assert.Equal("CDSDUPTHERAPY", card.Source.Topic!.Code);
        Assert.Equal(Indicators.Warning, card.Indicator);
        Assert.Contains("enalapril", card.Summary);
        Assert.Contains("lisinopril", card.Summary);
        Assert.Contains("ACE inhibitors", card.Summary);
        Assert.Contains("duplicate=class", finding.Evidence);
        Assert.Contains("class=ace-inhibitors", finding.Evidence);
        Assert.Contains("active=rxnorm|314076", finding.Evidence);
        Assert.Contains("draft=rxnorm|858817", finding.Evidence);
    }

    [Fact]
    public void Patient_on_lisinopril_with_lisinopril_draft_gets_an_ingredient_duplicate_card()
    {
        var (card, finding) = Assert.Single(Evaluate(HookNames.OrderSign, OnLisinopril(), Lisinopril()));

        Assert.Contains("already an active medication", card.Summary);
        Assert.Contains("duplicate=ingredient", finding.Evidence);
        Assert.Contains("ingredient=rxnorm|29046", finding.Evidence);
    }

    [Fact]
    public void A_draft_listed_among_the_active_medications_is_not_a_duplicate_of_itself()
    {
        var patient = Patient("p") with
        {
            ActiveMedications = [new MedicationEntry("draft-lisinopril-1", [Rx("29046")], "active", null, null)],
        };

        Assert.Empty(Evaluate(HookNames.OrderSign, patient, Lisinopril("MedicationRequest/draft-lisinopril-1")));
    }

    [Fact]
    public void Stopped_medications_are_not_duplicates()
    {
        var patient = Patient("p") with
        {
            ActiveMedications = [new MedicationEntry("m", [Rx("314076")], "stopped", null, null)],
        };

        Assert.Empty(Evaluate(HookNames.OrderSelect, patient, Enalapril()));
    }

    [Fact]
    public void Penicillins_are_not_a_duplicate_class_unless_the_rule_lists_them()
    {
        var patient = Patient("p") with { ActiveMedications = [new MedicationEntry("m", [Rx("308191")], "active", null, null)] };

        Assert.Empty(Evaluate(HookNames.OrderSelect, patient, Ampicillin()));
    }

    [Fact]
    public void Several_drafts_get_one_card_each_with_distinct_uuids()
    {
        var patient = PenicillinAllergic() with { ActiveMedications = OnLisinopril().ActiveMedications };

        var outcomes = Evaluate(HookNames.OrderSign, patient, Amoxicillin(), Ampicillin(), Enalapril());

        Assert.Equal(2, ByTopic(outcomes, "CDSDRUGALLERGY").Count);
        Assert.Single(ByTopic(outcomes, "CDSDUPTHERAPY"));
        Assert.Equal(Indicators.Critical, outcomes[0].Card.Indicator); // most severe first
    }

    [Fact]
    public void Codes_without_a_system_are_not_guessed()
    {
        var patient = Patient("p") with { Allergies = [new AllergyEntry("a", [new ClinicalCode("", "70618")], "active", "high", null)] };
        var draft = new DraftMedication("d", [new ClinicalCode("", "723")], null);

        Assert.Empty(Evaluate(HookNames.OrderSelect, patient, draft));
        Assert.Empty(Evaluate(HookNames.OrderSelect, PenicillinAllergic(), draft));

        // The code is still not guessed; the ingredient the medication's text names is read (as a name).
        var named = Assert.Single(Evaluate(HookNames.OrderSelect, PenicillinAllergic(), draft with { Text = "amoxicillin" }));
        Assert.Contains("recognised-by=name", named.Finding.Evidence);
    }

    [Fact]
    public void Drafts_outside_the_vocabulary_give_no_card()
    {
        var acetaminophen = new DraftMedication("d", [Rx("313782")], "Acetaminophen 325 MG Oral Tablet");

        Assert.Empty(Evaluate(HookNames.OrderSelect, PenicillinAllergic() with { ActiveMedications = [new MedicationEntry("m", [Rx("313782")], "active", null, null)] }, acetaminophen with { RequestId = "x" }));
    }
}
