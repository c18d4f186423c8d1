namespace Cds.EpicSandbox;

/// <summary>One create the sandbox received. Identifiers are "system|value".</summary>
public sealed record WriteRecord(
    DateTimeOffset At,
    string ResourceType,
    string? Id,
    IReadOnlyList<string> Identifiers,
    string? PatientId,
    string? IfNoneExist,
    WriteOutcome Outcome,
    int Status,
    string? ClientId);
