using System.Reflection;
using MassTransit;
using MassTransit.Configuration;

namespace Cds.ServiceDefaults;

/// <summary>
/// How soon MassTransit's receive endpoints reconnect after RabbitMQ is back (issue 15, item 8). MassTransit 8.5 retries a
/// lost receive transport on an exponential schedule of its own (about 5.6 s, 8 s, 16 s, 27 s, then every 30 s) that no
/// public option changes, so after a ten-second outage the enrichment queue and the hooks' response queue were consumed
/// again only 10–20 s after the broker was reachable: live hooks got no live cards meanwhile. This replaces that schedule
/// with a constant <see cref="BusSettings.ReconnectInterval"/>, keeping MassTransit's own choice of which failures are
/// retried (authentication and configuration faults are not). MassTransit is pinned to 8.5.x; should its configurator
/// change shape, the host fails at start-up with this class named rather than silently keeping the slow schedule.
/// </summary>
internal static class BrokerReconnect
{
    private const BindingFlags Instance = BindingFlags.Instance | BindingFlags.NonPublic;

    public static void Apply(IRabbitMqBusFactoryConfigurator cfg, TimeSpan interval)
    {
        var host = cfg.GetType().GetField("_hostConfiguration", Instance)?.GetValue(cfg) as IHostConfiguration;
        var policy = host?.GetType().GetField($"<{nameof(IHostConfiguration.ReceiveTransportRetryPolicy)}>k__BackingField", Instance);
        if (host is null || policy is null)
        {
            throw new InvalidOperationException(
                "MassTransit's RabbitMQ host configuration is not the 8.5 one BrokerReconnect knows: Bus:ReconnectInterval cannot be applied.");
        }
        var original = host.ReceiveTransportRetryPolicy;
        policy.SetValue(host, Retry.CreatePolicy(x =>
        {
            x.Handle<Exception>(original.IsHandled);
            x.Interval(1_000_000, interval);
        }));
    }
}
