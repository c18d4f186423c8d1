namespace Cds.Contracts;

/// <summary>A code from a terminology: RxNorm, SNOMED CT, LOINC, ICD-10-CM, or a local system.</summary>
public sealed record ClinicalCode(string System, string Code, string? Display = null);

public static class CodeSystems
{
    public const string RxNorm = "http://www.nlm.nih.gov/research/umls/rxnorm";
    public const string Snomed = "http://snomed.info/sct";
    public const string Loinc = "http://loinc.org";
    public const string Icd10Cm = "http://hl7.org/fhir/sid/icd-10-cm";
    public const string Ucum = "http://unitsofmeasure.org";
}

/// <summary>
/// What the rules know about a patient, built from prefetch, the warm cache or FHIR reads. Every element may be
/// missing in production data (docs/epic-behaviours.md item 21): lists are empty, values null. <see cref="Gaps"/> names what could not
/// be obtained, so a rule can tell "none" from "unknown".
/// </summary>
public sealed record PatientContext
{
    public required string PatientId { get; init; }
    public required DateTimeOffset AsOf { get; init; }
    public DateOnly? BirthDate { get; init; }
    public IReadOnlyList<MedicationEntry> ActiveMedications { get; init; } = [];
    public IReadOnlyList<AllergyEntry> Allergies { get; init; } = [];
    public IReadOnlyList<ConditionEntry> Conditions { get; init; } = [];
    public IReadOnlyList<LabResult> Labs { get; init; } = [];
    /// <summary>Parts not obtainable, e.g. "allergies", "labs" (with no PHI).</summary>
    public IReadOnlyList<string> Gaps { get; init; } = [];
}

public sealed record MedicationEntry(string? Id, IReadOnlyList<ClinicalCode> Codes, string? Status, DateTimeOffset? AuthoredOn, string? Text);

public sealed record AllergyEntry(string? Id, IReadOnlyList<ClinicalCode> Codes, string? ClinicalStatus, string? Criticality, string? Text);

public sealed record ConditionEntry(string? Id, IReadOnlyList<ClinicalCode> Codes, string? ClinicalStatus, DateTimeOffset? Onset, string? Text);

public sealed record LabResult(string? Id, IReadOnlyList<ClinicalCode> Codes, decimal? Value, string? Unit, DateTimeOffset? Effective, string? Status);

/// <summary>A medication being ordered (a draft MedicationRequest in draftOrders), its Medication resolved.</summary>
public sealed record DraftMedication(string? RequestId, IReadOnlyList<ClinicalCode> Codes, string? Text);
