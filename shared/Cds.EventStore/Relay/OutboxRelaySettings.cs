namespace Cds.EventStore.Relay;

public sealed class OutboxRelaySettings
{
    public const string Section = "Relay";
    /// <summary>Events handed to the relay per page by the async daemon.</summary>
    public int BatchSize { get; set; } = 100;
    /// <summary>First pause after a failed publish; doubles up to <see cref="MaxRetryDelay"/>. The relay never skips an event.</summary>
    public TimeSpan MinRetryDelay { get; set; } = TimeSpan.FromMilliseconds(250);
    public TimeSpan MaxRetryDelay { get; set; } = TimeSpan.FromSeconds(30);
}
