namespace Cds.Fhir.Bulk;

/// <summary>What a poll or kick-off wait was for (reported to the caller's observer before each wait).</summary>
public enum BulkWaitReason
{
    /// <summary>202: the export is still running (<see cref="BulkWait.Progress"/> carries X-Progress).</summary>
    InProgress,

    /// <summary>429 "too recently" on kick-off: a cooldown, waited out once per Retry-After.</summary>
    Cooldown,

    /// <summary>503/5xx/429 on a poll or a network error: waited, then the same request again.</summary>
    Transient,
}
