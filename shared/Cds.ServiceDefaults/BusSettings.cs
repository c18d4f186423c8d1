namespace Cds.ServiceDefaults;

public sealed class BusSettings
{
    public const string Section = "Bus";
    /// <summary>Messages fetched ahead per consumer endpoint.</summary>
    public int PrefetchCount { get; set; } = 32;
    /// <summary>Messages processed at once per endpoint (null: MassTransit's default = prefetch).</summary>
    public int? ConcurrentMessageLimit { get; set; }
    /// <summary>In-process retries (exponential) before a message moves to its <c>_error</c> queue.</summary>
    public int RetryLimit { get; set; } = 5;
    public TimeSpan RetryMinInterval { get; set; } = TimeSpan.FromMilliseconds(200);
    public TimeSpan RetryMaxInterval { get; set; } = TimeSpan.FromSeconds(10);
    /// <summary>
    /// Per receive endpoint (its kebab-case name, e.g. <c>writeback-feedback-recorded</c>), an explicit retry schedule
    /// that replaces the exponential one: comma-separated intervals, e.g. <c>"00:00:01,00:00:05,00:00:30"</c>. A host
    /// passes its defaults to <see cref="BusExtensions.AddCdsBus"/>; configuration overrides them. The whole schedule
    /// must stay well under RabbitMQ's <c>consumer_timeout</c> (30 min by default): the message is held unacknowledged
    /// while it waits.
    /// </summary>
    public Dictionary<string, string> RetrySchedules { get; set; } = new(StringComparer.OrdinalIgnoreCase);
    /// <summary>
    /// Redelivery after the retries, through the broker's delayed-message exchange. Only for brokers with the
    /// rabbitmq_delayed_message_exchange plugin (Debian's package has none: keep false there).
    /// </summary>
    public bool DelayedRedelivery { get; set; }
    /// <summary>
    /// Declare receive endpoints (and so their <c>_error</c> queues) as quorum queues, replicated across a RabbitMQ
    /// cluster: set in clustered deployments (k8s). Off for a single local broker.
    /// </summary>
    public bool QuorumQueues { get; set; }
    public int QuorumReplicas { get; set; } = 3;

    /// <summary>
    /// Pause between attempts to reconnect a receive endpoint after the broker was lost (constant, instead of MassTransit's
    /// back-off to 30 s): live hooks get live cards again within about this long of RabbitMQ being reachable
    /// (<see cref="BrokerReconnect"/>). An attempt against a stopped broker is one refused TCP connect.
    /// </summary>
    public TimeSpan ReconnectInterval { get; set; } = TimeSpan.FromMilliseconds(500);

    /// <summary>How long a stopping host waits for in-flight messages before returning them to the queue.</summary>
    public TimeSpan StopTimeout { get; set; } = TimeSpan.FromSeconds(30);
}
