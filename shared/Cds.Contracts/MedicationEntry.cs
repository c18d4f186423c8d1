namespace Cds.Contracts;

public sealed record MedicationEntry(string? Id, IReadOnlyList<ClinicalCode> Codes, string? Status, DateTimeOffset? AuthoredOn, string? Text);
