namespace Cds.Contracts;

/// <summary>A code from a terminology: RxNorm, SNOMED CT, LOINC, ICD-10-CM, or a local system.</summary>
public sealed record ClinicalCode(string System, string Code, string? Display = null);
