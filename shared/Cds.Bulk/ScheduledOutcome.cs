namespace Cds.Bulk;

/// <summary>What one scheduled occurrence did in this instance.</summary>
public enum ScheduledOutcome
{
    /// <summary>This instance ran the export (completed, or failed for good) and its follow-up.</summary>
    Ran,
    /// <summary>Another instance holds the occurrence or already ran it.</summary>
    Skipped,
    /// <summary>The run threw (logged, retried at the next occurrence or by resume).</summary>
    Failed,
}
