namespace Cds.Hooks.Requests;

/// <summary>What one prefetch key holds.</summary>
public enum PrefetchState
{
    /// <summary>The key is not in the request: the caller may fetch it (and answer 412 when it cannot).</summary>
    Missing,
    /// <summary>
    /// The client says there is nothing: <c>null</c>, an <c>OperationOutcome</c>, or a Bundle with no data entries
    /// (Epic's empty search = one OperationOutcome entry with <c>search.mode = outcome</c>). Do not fetch again.
    /// </summary>
    NoData,
    /// <summary>Resources are present (a single resource, or a Bundle's non-outcome entries).</summary>
    Provided,
}
