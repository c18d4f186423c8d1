namespace Cds.Contracts;

public sealed record AllergyEntry(string? Id, IReadOnlyList<ClinicalCode> Codes, string? ClinicalStatus, string? Criticality, string? Text);
