using MassTransit;

namespace Cds.EventStore.Relay;

/// <summary>Publishes one relayed integration message. The default goes through MassTransit (publisher confirms on).</summary>
public interface IRelayPublisher
{
    /// <summary>Completes when the broker has confirmed the message; throws when it could not be published.</summary>
    Task PublishAsync(object message, Guid messageId, string? tenant, CancellationToken ct);
}

/// <summary>MassTransit publisher: MessageId = the Marten event id, the tenant also in the <c>cds-tenant</c> header.</summary>
public sealed class MassTransitRelayPublisher(IBus bus) : IRelayPublisher
{
    public const string TenantHeader = "cds-tenant";

    public Task PublishAsync(object message, Guid messageId, string? tenant, CancellationToken ct) =>
        bus.Publish(message, message.GetType(), ctx =>
        {
            ctx.MessageId = messageId;
            if (tenant is not null)
            {
                ctx.Headers.Set(TenantHeader, tenant);
            }
        }, ct);
}
