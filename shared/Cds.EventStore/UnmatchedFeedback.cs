namespace Cds.EventStore;

/// <summary>Feedback for a card we have no record of: kept for audit (id = the item's idempotency key).</summary>
public sealed class UnmatchedFeedback
{
    public string Id { get; set; } = "";
    public string ServiceId { get; set; } = "";
    public string CardId { get; set; } = "";
    public string Outcome { get; set; } = "";
    public DateTimeOffset OutcomeTimestamp { get; set; }
    public DateTimeOffset ReceivedAt { get; set; }
}
