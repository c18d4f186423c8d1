namespace Cds.EpicSandbox;

public enum WriteOutcome
{
    /// <summary>A new resource was stored (201).</summary>
    Created,

    /// <summary>If-None-Exist matched exactly one resource: nothing stored (200).</summary>
    MatchedExisting,

    /// <summary>Refused (400/403/412/...): nothing stored.</summary>
    Rejected,
}
