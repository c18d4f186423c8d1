namespace Cds.EpicSandbox;

/// <summary>One request to the FHIR API (path and query only: never the Authorization header).</summary>
public sealed record FhirRequestRecord(
    DateTimeOffset At,
    string Method,
    string PathAndQuery,
    string? ResourceType,
    string? Interaction,
    int Status,
    string? ClientId,
    double ElapsedMs,
    string? Fault);
