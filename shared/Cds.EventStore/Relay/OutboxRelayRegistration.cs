using Marten;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace Cds.EventStore.Relay;

public static class OutboxRelayRegistration
{
    /// <summary>
    /// Registers the outbox relay subscription with the store (resolved from the container because it needs the bus).
    /// It runs only where the async daemon runs: add <c>.AddAsyncDaemon(DaemonMode.HotCold)</c> in exactly the host
    /// that should relay (the write-back service); HotCold elects one relaying instance among several.
    /// </summary>
    public static MartenServiceCollectionExtensions.MartenConfigurationExpression AddCdsOutboxRelay(
        this MartenServiceCollectionExtensions.MartenConfigurationExpression marten, OutboxRelaySettings? settings = null)
    {
        marten.Services.TryAddSingleton(settings ?? new OutboxRelaySettings());
        marten.Services.TryAddSingleton<IRelayPublisher, MassTransitRelayPublisher>();
        return marten.AddSubscriptionWithServices<OutboxRelay>(ServiceLifetime.Singleton);
    }
}
