namespace Cds.EpicSandbox;

/// <summary>One token request. No assertion, no token is kept.</summary>
public sealed record TokenRequestRecord(
    DateTimeOffset At,
    string? ClientId,
    string? GrantType,
    string? Algorithm,
    string? RequestedScope,
    string? GrantedScope,
    int Status,
    string? Error,
    string? ErrorDescription);
