namespace Cds.EpicSandbox;

/// <summary>Ids of the patients every sandbox holds. See infra/epic-sandbox/README.md for what each should trigger.</summary>
public static class SandboxPatients
{
    /// <summary>Active AllergyIntolerance to penicillin (RxNorm 70618, high criticality): ordering amoxicillin should warn.</summary>
    public const string PenicillinAllergic = "eAllergyPen.Fx-Q9kd3Tn2wP1";

    /// <summary>CKD stage 4 (SNOMED 431857002), eGFR 25 mL/min/1.73m2 (LOINC 33914-3 and 62238-1), active metformin (RxNorm 6809).</summary>
    public const string CkdOnMetformin = "eCkdMetformin.Fx-bR7vLq2Zs3";

    /// <summary>Active lisinopril (RxNorm 29046) MedicationRequest.</summary>
    public const string OnLisinopril = "eLisinopril.Fx-Hk4mNw8Cq3";

    /// <summary>Type 2 diabetes (SNOMED 44054006, ICD-10 E11.9), last HbA1c (LOINC 4548-4) 10.2 % taken about 8 months ago.</summary>
    public const string Type2DiabeticHighA1c = "eDiabetesA1c.Fx-Ty9pJd5Ve3";

    /// <summary>A Patient resource and nothing else: every search answers with the Epic 4101 "no results" bundle.</summary>
    public const string NoData = "eNoData.Fx-Gq2sLr6Ub3";

    /// <summary>docs/epic-behaviours.md item 21, "must-support means may be present": a Patient without gender or birthDate, an allergy with text only
    /// (no coding, no clinicalStatus), a Condition without clinicalStatus or onset, an Observation (HbA1c code) without value or
    /// effective time, a MedicationRequest whose medication is text only. Not in <see cref="Fixtures"/> (nor the bulk Group).</summary>
    public const string SparseData = "eSparseData.Fx-Mn8bVc4Xd3";

    /// <summary>Epic's public sandbox patient (Patient-erXuFYUfucBZaryVksYEcMg3.camila-lopez.json).</summary>
    public const string CamilaLopez = "erXuFYUfucBZaryVksYEcMg3";

    // Synthea R4 patients from infra/epic-sandbox/data/synthea-r4 (present when SeedSynthea and the data folder is found).
    public const string AbramLemke = "6c5d9ca9-54d7-42f5-bfae-a7c19cd217f2";
    public const string BernieSmitham = "7a05bc93-cf1a-4929-9aca-6178ba9abcb7";
    public const string LashaundaRodriguez = "7646ecba-4812-452e-88e7-6235f77dabb2";
    public const string ShermanGreen = "b1e834a6-e110-4402-ac76-f78433ed09fa";

    /// <summary>The fixture patients built in code (always present).</summary>
    public static IReadOnlyList<string> Fixtures { get; } =
        [PenicillinAllergic, CkdOnMetformin, OnLisinopril, Type2DiabeticHighA1c, NoData];

    public static IReadOnlyList<string> Synthea { get; } = [AbramLemke, BernieSmitham, LashaundaRodriguez, ShermanGreen];

    /// <summary>Short names accepted wherever a patient id is (the command's --patient): kebab-case of the constant names.</summary>
    public static IReadOnlyDictionary<string, string> Aliases { get; } = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase)
    {
        ["penicillin-allergic"] = PenicillinAllergic,
        ["ckd-on-metformin"] = CkdOnMetformin,
        ["on-lisinopril"] = OnLisinopril,
        ["type2-diabetic-high-a1c"] = Type2DiabeticHighA1c,
        ["no-data"] = NoData,
        ["sparse-data"] = SparseData,
        ["camila-lopez"] = CamilaLopez,
        ["abram-lemke"] = AbramLemke,
        ["bernie-smitham"] = BernieSmitham,
        ["lashaunda-rodriguez"] = LashaundaRodriguez,
        ["sherman-green"] = ShermanGreen,
    };

    /// <summary>An alias ("penicillin-allergic") or an id (returned as is).</summary>
    public static string Resolve(string aliasOrId) => Aliases.TryGetValue(aliasOrId, out var id) ? id : aliasOrId;

    /// <summary>The sandbox clinician (Practitioner from the Epic sandbox data) and the PractitionerRole the hooks use as userId.</summary>
    public const string PractitionerId = "eM5CWtq15N0WJeuCet5bJlQ3";
    public const string PractitionerRoleId = "e-QokEGUJIzyynNdkCFrs9w3";
    /// <summary>Group for $export: the five fixture patients.</summary>
    public const string BulkGroupId = "eFixtureGroup.Bulk-Kq3";

    public const string OrganizationId = "enRyWnSP963FYDpoks4NHOA3";
}
