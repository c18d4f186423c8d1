namespace Cds.Tenants;

/// <summary>A tenant's bulk <c>$export</c> settings (<c>Tenants:{id}:Bulk</c>).</summary>
public sealed class BulkExportOptions
{
    /// <summary>The Group exported when none is named (Epic: the registry Group the customer built for us).</summary>
    public string? GroupId { get; set; }

    /// <summary>
    /// Cron expression (UTC; 5 fields, or 6 with seconds first) of the scheduled export of <see cref="GroupId"/>, each run
    /// followed by the population run; empty = no schedule. One instance runs each occurrence (PostgreSQL advisory lock).
    /// </summary>
    public string? Schedule { get; set; }

    /// <summary>The <c>_type</c> list asked for.</summary>
    public List<string> Types { get; set; } = ["Patient", "Condition", "Observation", "MedicationRequest", "AllergyIntolerance"];

    /// <summary>
    /// Whether this tenant's Epic honours <c>_since</c> on Group export. Off by default: <c>_since</c> is sent only when this
    /// is set AND the CapabilityStatement declares the parameter on the export operation.
    /// </summary>
    public bool SinceSupported { get; set; }

    /// <summary>Longest 429 "too recently" cooldown waited for; a longer one fails the run with the time it may be retried.</summary>
    public TimeSpan MaxCooldownWait { get; set; } = TimeSpan.FromMinutes(15);

    /// <summary>How many 429 cooldowns one kick-off waits out before giving up.</summary>
    public int MaxCooldowns { get; set; } = 3;

    /// <summary>Wait between polls when the server sends no Retry-After.</summary>
    public TimeSpan DefaultPollInterval { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>Upper bound of one wait between polls (a larger Retry-After is capped to it).</summary>
    public TimeSpan MaxPollInterval { get; set; } = TimeSpan.FromMinutes(2);

    /// <summary>Consecutive transient failures (503, 5xx, 429 on a poll, network) tolerated while polling or kicking off.</summary>
    public int MaxTransientFailures { get; set; } = 10;

    /// <summary>How long an export may take from kick-off to manifest.</summary>
    public TimeSpan MaxExportDuration { get; set; } = TimeSpan.FromHours(6);

    /// <summary>Attempts at one file download (a broken download resumes from the last complete line).</summary>
    public int MaxDownloadAttempts { get; set; } = 5;

    /// <summary>Timeout of one request (kick-off, poll, file headers); the body of a file streams without one.</summary>
    public TimeSpan RequestTimeout { get; set; } = TimeSpan.FromSeconds(60);

    /// <summary>Largest NDJSON line accepted (one resource).</summary>
    public int MaxLineBytes { get; set; } = 64 * 1024 * 1024;
}
