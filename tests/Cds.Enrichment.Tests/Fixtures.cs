using Cds.Contracts;
using Cds.Rules;
using Xunit;

namespace Cds.Enrichment.Tests;

/// <summary>
/// Patient contexts equivalent to the Epic sandbox fixture patients (infra/epic-sandbox SandboxPatients), plus the
/// shipped rule set. Values and codes only; ids are synthetic.
/// </summary>
internal static class Fixtures
{
    public static readonly DateTimeOffset Now = new(2026, 11, 28, 12, 0, 0, TimeSpan.Zero);

    private static readonly Lazy<RuleSet> Loaded = new(() => RuleSetLoader.LoadDefault());

    /// <summary>The rule files as the worker ships them (copied to the test output by the csproj).</summary>
    public static RuleSet ShippedRules => Loaded.Value;

    public static ClinicalCode Rx(string code) => new(CodeSystems.RxNorm, code);
    public static ClinicalCode Sct(string code) => new(CodeSystems.Snomed, code);
    public static ClinicalCode Loinc(string code) => new(CodeSystems.Loinc, code);
    public static ClinicalCode Icd(string code) => new(CodeSystems.Icd10Cm, code);

    public static PatientContext Patient(string id) => new() { PatientId = id, AsOf = Now };

    /// <summary>Active AllergyIntolerance to penicillin (RxNorm 70618, high criticality).</summary>
    public static PatientContext PenicillinAllergic() => Patient("eAllergyPen") with
    {
        Allergies = [new AllergyEntry("alg-1", [Rx("70618")], "active", "high", "Penicillin")],
    };

    /// <summary>CKD stage 4, eGFR 25 (LOINC 33914-3 and 62238-1), active metformin.</summary>
    public static PatientContext CkdOnMetformin() => Patient("eCkdMetformin") with
    {
        Conditions = [new ConditionEntry("cond-ckd", [Sct("431857002")], "active", Now.AddYears(-3), "CKD stage 4")],
        ActiveMedications = [new MedicationEntry("med-metformin", [Rx("861007")], "active", Now.AddYears(-2), "Metformin 500 mg")],
        Labs =
        [
            new LabResult("egfr-old", [Loinc("33914-3")], 38m, "mL/min/{1.73_m2}", Now.AddDays(-200), "final"),
            new LabResult("egfr-1", [Loinc("33914-3"), Loinc("62238-1")], 25m, "mL/min/{1.73_m2}", EgfrDate, "final"),
        ],
    };

    public static readonly DateTimeOffset EgfrDate = new(2026, 10, 15, 9, 30, 0, TimeSpan.Zero);

    /// <summary>Active lisinopril MedicationRequest.</summary>
    public static PatientContext OnLisinopril() => Patient("eLisinopril") with
    {
        ActiveMedications = [new MedicationEntry("med-lisinopril", [Rx("314076")], "active", Now.AddYears(-1), "Lisinopril 10 mg")],
    };

    public static readonly DateTimeOffset HbA1cDate = Now.AddMonths(-8);

    /// <summary>Type 2 diabetes (SNOMED 44054006, ICD-10 E11.9), last HbA1c 10.2 % about 8 months ago.</summary>
    public static PatientContext Type2DiabeticHighA1c() => Patient("eDiabetesA1c") with
    {
        Conditions = [new ConditionEntry("cond-t2dm", [Sct("44054006"), Icd("E11.9")], "active", Now.AddYears(-6), "Type 2 diabetes")],
        Labs =
        [
            new LabResult("a1c-older", [Loinc("4548-4")], 8.1m, "%", Now.AddMonths(-14), "final"),
            new LabResult("a1c-1", [Loinc("4548-4")], 10.2m, "%", HbA1cDate, "final"),
        ],
    };

    /// <summary>A Patient and nothing else: every search answered "no results".</summary>
    public static PatientContext NoData() => Patient("eNoData");

    public static PatientContext HighPotassium(decimal value = 6.4m, double hoursAgo = 6) => Patient("eHyperK") with
    {
        Labs = [new LabResult("k-1", [Loinc("2823-3")], value, "mmol/L", Now.AddHours(-hoursAgo), "final")],
    };

    public static DraftMedication Amoxicillin(string? id = "draft-amox-1") => new(id, [Rx("308191")], "amoxicillin 500 MG Oral Capsule");
    public static DraftMedication Ampicillin(string? id = "draft-amp-1") => new(id, [Rx("733")], "ampicillin");
    public static DraftMedication Metformin(string? id = "draft-metformin-1") => new(id, [Rx("861004")], "metformin 1000 mg");
    public static DraftMedication Enalapril(string? id = "draft-enalapril-1") => new(id, [Rx("858817")], "enalapril 10 mg");
    public static DraftMedication Lisinopril(string? id = "draft-lisinopril-1") => new(id, [Rx("29046")], "lisinopril");

    public static RuleInput Input(string hook, PatientContext? context, params DraftMedication[] drafts) => new()
    {
        Hook = hook,
        Context = context,
        DraftMedications = drafts,
        Now = Now,
        CardSeed = "tenant-a/7d9c2a5e-hook-instance",
    };

    public static IReadOnlyList<RuleOutcome> Evaluate(string hook, PatientContext? context, params DraftMedication[] drafts)
    {
        var outcomes = RuleEngine.Evaluate(ShippedRules, Input(hook, context, drafts));
        CardAssert.EpicCompatible(outcomes);
        return outcomes;
    }
}
