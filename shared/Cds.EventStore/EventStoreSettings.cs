namespace Cds.EventStore;

public sealed class EventStoreSettings
{
    public const string Section = "EventStore";
    /// <summary>PostgreSQL schema; tests use one per class.</summary>
    public string Schema { get; set; } = "cds";
    /// <summary>Create/update tables at start-up (development, tests). Production applies the schema with `schema apply`.</summary>
    public bool AutoApplySchema { get; set; } = true;
    /// <summary>
    /// How often the async daemon (outbox relay, statistics) looks for new events when idle; half of it under load.
    /// Appends wake it at once (LISTEN/NOTIFY); this poll is the fallback when a notification is missed.
    /// </summary>
    public TimeSpan DaemonPollingTime { get; set; } = TimeSpan.FromMilliseconds(100);
}
