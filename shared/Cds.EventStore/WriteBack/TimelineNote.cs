namespace Cds.EventStore;

/// <summary>One note in the hook timeline: its stable identifier, where it stands, and Epic's id once written.</summary>
public sealed class TimelineNote
{
    public string IdentifierSystem { get; set; } = "";
    public string IdentifierValue { get; set; } = "";
    public string CardUuid { get; set; } = "";
    public string Outcome { get; set; } = "";
    public string Trigger { get; set; } = "";
    public string Status { get; set; } = WriteBackStatuses.Requested;
    public string? EpicId { get; set; }
    public bool? Retryable { get; set; }
    public string? FailureReason { get; set; }
    public int Attempts { get; set; }
    public DateTimeOffset RequestedAt { get; set; }
    public DateTimeOffset? CompletedAt { get; set; }
}
