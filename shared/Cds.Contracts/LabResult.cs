namespace Cds.Contracts;

public sealed record LabResult(string? Id, IReadOnlyList<ClinicalCode> Codes, decimal? Value, string? Unit, DateTimeOffset? Effective, string? Status);
