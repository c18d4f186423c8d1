namespace Cds.EventStore;

/// <summary>Marks a feedback item as recorded (id = its idempotency key), so a repeated delivery is recorded once.</summary>
public sealed class FeedbackSeen
{
    public string Id { get; set; } = "";
    public string HookInstance { get; set; } = "";
    public DateTimeOffset At { get; set; }
}
