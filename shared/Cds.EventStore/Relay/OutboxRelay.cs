using System.Diagnostics.Metrics;
using JasperFx.Events;
using JasperFx.Events.Daemon;
using JasperFx.Events.Projections;
using Marten;
using Marten.Subscriptions;
using Microsoft.Extensions.Logging;

namespace Cds.EventStore.Relay;

/// <summary>
/// The outbox relay (no dual writes): a Marten subscription run by the async daemon that publishes every
/// must-not-lose event (<see cref="IntegrationEvents"/>) to RabbitMQ with MessageId = the event id. Marten records the
/// subscription's progress only after <see cref="ProcessEventsAsync"/> returns, i.e. after every message of the page
/// was confirmed by the broker: delivery is at-least-once and consumers de-duplicate on MessageId. A failed publish
/// is retried with backoff until it succeeds or the daemon stops (then the page is processed again from the last
/// recorded position); events are never skipped.
/// </summary>
public sealed class OutboxRelay : SubscriptionBase
{
    public const string RelayName = "cds-outbox-relay";
    private static readonly Meter Meter = new("Cds.EventStore");
    private static readonly Counter<long> Published = Meter.CreateCounter<long>("cds.relay.published", description: "Integration messages relayed to the bus");
    private static readonly Counter<long> PublishFailures = Meter.CreateCounter<long>("cds.relay.publish_failures", description: "Failed publish attempts (retried)");

    private readonly IRelayPublisher _publisher;
    private readonly ILogger<OutboxRelay> _logger;
    private readonly OutboxRelaySettings _settings;

    public OutboxRelay(IRelayPublisher publisher, ILogger<OutboxRelay> logger, OutboxRelaySettings settings)
    {
        _publisher = publisher;
        _logger = logger;
        _settings = settings;
        Name = RelayName;
        foreach (var type in IntegrationEvents.RelayedEventTypes)
        {
            IncludeType(type);
        }
        Options.BatchSize = settings.BatchSize;
    }

    public override async Task<IChangeListener> ProcessEventsAsync(EventRange page, ISubscriptionController controller,
        IDocumentOperations operations, CancellationToken cancellationToken)
    {
        foreach (var e in page.Events)
        {
            var message = IntegrationEvents.ToMessage(e);
            if (message is null)
            {
                continue;
            }
            await PublishUntilConfirmedAsync(e, message, cancellationToken);
        }
        return NullChangeListener.Instance;
    }

    private async Task PublishUntilConfirmedAsync(IEvent e, object message, CancellationToken ct)
    {
        var tenant = IntegrationEvents.TenantOf(message);
        var delay = _settings.MinRetryDelay;
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                await _publisher.PublishAsync(message, e.Id, tenant, ct);
                Published.Add(1, new KeyValuePair<string, object?>("message", message.GetType().Name));
                return;
            }
            catch (Exception ex) when (ex is not OperationCanceledException || !ct.IsCancellationRequested)
            {
                PublishFailures.Add(1, new KeyValuePair<string, object?>("message", message.GetType().Name));
                // Ids and types only: the exception may come from the transport, never carries message content.
                _logger.LogWarning("Relay could not publish {MessageType} for event {EventId} (sequence {Sequence}, attempt {Attempt}): {Error}; retrying in {Delay}",
                    message.GetType().Name, e.Id, e.Sequence, attempt, ex.GetType().Name, delay);
                await Task.Delay(delay, ct);
                delay = TimeSpan.FromTicks(Math.Min(delay.Ticks * 2, _settings.MaxRetryDelay.Ticks));
            }
        }
    }
}
