namespace Cds.Contracts;

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
