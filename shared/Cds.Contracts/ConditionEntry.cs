namespace Cds.Contracts;

public sealed record ConditionEntry(string? Id, IReadOnlyList<ClinicalCode> Codes, string? ClinicalStatus, DateTimeOffset? Onset, string? Text);
