namespace Cds.Fhir.Bulk;

/// <summary>An export that cannot go on: refused kick-off, a failed or expired job, a file that could not be read.</summary>
public sealed class BulkExportException : EpicFhirException
{
    public BulkExportException(string tenant, string reason, int? statusCode = null, bool retryable = false, DateTimeOffset? retryAt = null, Exception? inner = null)
        : base(tenant, $"Bulk export for tenant '{tenant}': {reason}", inner)
    {
        Reason = reason;
        StatusCode = statusCode;
        Retryable = retryable;
        RetryAt = retryAt;
    }

    /// <summary>What went wrong, without ids or PHI.</summary>
    public string Reason { get; }

    public int? StatusCode { get; }

    /// <summary>True when trying again later may work (cooldown, outage); false for a refused request.</summary>
    public bool Retryable { get; }

    /// <summary>When a cooldown ends, if the server said so.</summary>
    public DateTimeOffset? RetryAt { get; }
}
