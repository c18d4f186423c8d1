using MassTransit;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Hosting;

namespace Cds.ServiceDefaults;

public static class BusExtensions
{
    /// <summary>
    /// MassTransit on RabbitMQ from <c>ConnectionStrings:RabbitMq</c> (an amqp:// URI). Endpoint names are kebab-case
    /// and prefixed by <paramref name="endpointPrefix"/> (e.g. "enrichment-evaluate-hook"); failures are retried in
    /// process with exponential backoff, then moved to the endpoint's <c>_error</c> queue; nothing is acknowledged on
    /// exception. Every consumer's failure travels as a <see cref="Cds.EventStore.PortableException"/>
    /// (<see cref="PortableFaultsObserver"/>).
    /// </summary>
    public static IHostApplicationBuilder AddCdsBus(this IHostApplicationBuilder builder, string endpointPrefix,
        Action<IBusRegistrationConfigurator>? configure = null, IReadOnlyDictionary<string, string>? defaultRetrySchedules = null)
    {
        var settings = builder.Configuration.GetSection(BusSettings.Section).Get<BusSettings>() ?? new BusSettings();
        var schedules = new Dictionary<string, TimeSpan[]>(StringComparer.OrdinalIgnoreCase);
        foreach (var (endpoint, schedule) in (defaultRetrySchedules ?? new Dictionary<string, string>()).Concat(settings.RetrySchedules))
        {
            schedules[endpoint] = ParseSchedule(endpoint, schedule);
        }
        var uri = RabbitMqUri(builder.Configuration);

        builder.Services.Configure<MassTransitHostOptions>(o =>
        {
            o.WaitUntilStarted = true; // topology exists before the first publish (STACK-NOTES)
            o.StartTimeout = TimeSpan.FromSeconds(60);
            o.StopTimeout = settings.StopTimeout;
        });

        builder.Services.AddMassTransit(x =>
        {
            x.SetEndpointNameFormatter(new KebabCaseEndpointNameFormatter(endpointPrefix, false));
            x.AddConfigureEndpointsCallback((_, name, endpoint) =>
            {
                if (settings.QuorumQueues && endpoint is IRabbitMqReceiveEndpointConfigurator rabbit)
                {
                    rabbit.SetQuorumQueue(settings.QuorumReplicas);
                }
                // Innermost, around each consumer: what it throws leaves it as a PortableException (types and SQL
                // state, no data) before MassTransit builds the Fault and the _error headers from it.
                endpoint.ConnectConsumerConfigurationObserver(new PortableFaultsObserver());
                if (settings.DelayedRedelivery)
                {
                    endpoint.UseDelayedRedelivery(r => r.Intervals(TimeSpan.FromMinutes(1), TimeSpan.FromMinutes(5), TimeSpan.FromMinutes(15)));
                }
                if (schedules.TryGetValue(name, out var intervals))
                {
                    endpoint.UseMessageRetry(r => r.Intervals(intervals));
                }
                else
                {
                    endpoint.UseMessageRetry(r => r.Exponential(settings.RetryLimit, settings.RetryMinInterval, settings.RetryMaxInterval,
                        TimeSpan.FromMilliseconds(200)));
                }
                if (settings.ConcurrentMessageLimit is { } limit)
                {
                    endpoint.ConcurrentMessageLimit = limit;
                }
            });
            configure?.Invoke(x);
            x.UsingRabbitMq((context, cfg) =>
            {
                var (user, password) = Credentials(uri);
                cfg.Host(uri.Host, (ushort)(uri.IsDefaultPort || uri.Port <= 0 ? 5672 : uri.Port), VirtualHost(uri), h =>
                {
                    h.Username(user);
                    h.Password(password);
                    h.Heartbeat(TimeSpan.FromSeconds(10));
                });
                BrokerReconnect.Apply(cfg, settings.ReconnectInterval);
                cfg.PrefetchCount = settings.PrefetchCount;
                cfg.ConfigureEndpoints(context);
            });
        });
        return builder;
    }

    /// <summary>Parses a retry schedule ("00:00:01,00:00:05,…"); refuses an empty or negative one at start-up.</summary>
    public static TimeSpan[] ParseSchedule(string endpoint, string schedule)
    {
        var parts = schedule.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        var intervals = new TimeSpan[parts.Length];
        for (var i = 0; i < parts.Length; i++)
        {
            if (!TimeSpan.TryParse(parts[i], System.Globalization.CultureInfo.InvariantCulture, out intervals[i]) || intervals[i] < TimeSpan.Zero)
            {
                throw new InvalidOperationException(
                    $"Bus:RetrySchedules:{endpoint} has '{parts[i]}', which is not a time span; write e.g. \"00:00:01,00:00:05,00:00:30\".");
            }
        }
        if (intervals.Length == 0)
        {
            throw new InvalidOperationException($"Bus:RetrySchedules:{endpoint} is empty; write e.g. \"00:00:01,00:00:05,00:00:30\".");
        }
        return intervals;
    }

    public static Uri RabbitMqUri(IConfiguration configuration)
    {
        var raw = configuration.GetConnectionString("RabbitMq")
            ?? throw new InvalidOperationException(
                "ConnectionStrings:RabbitMq is not set. Run `eval \"$(bash infra/local/up.sh)\"` or set ConnectionStrings__RabbitMq=amqp://user:pass@host:5672/vhost.");
        if (!Uri.TryCreate(raw, UriKind.Absolute, out var uri) || uri.Scheme is not ("amqp" or "amqps" or "rabbitmq"))
        {
            throw new InvalidOperationException("ConnectionStrings:RabbitMq must be an amqp:// URI, e.g. amqp://user:pass@127.0.0.1:5672/");
        }
        return uri;
    }

    public static string VirtualHost(Uri uri)
    {
        var path = Uri.UnescapeDataString(uri.AbsolutePath.TrimStart('/'));
        return path.Length == 0 ? "/" : path;
    }

    private static (string User, string Password) Credentials(Uri uri)
    {
        var parts = uri.UserInfo.Split(':', 2);
        return parts.Length == 2 && parts[0].Length > 0
            ? (Uri.UnescapeDataString(parts[0]), Uri.UnescapeDataString(parts[1]))
            : ("guest", "guest");
    }

    /// <summary>PostgreSQL readiness check for hosts that use the store.</summary>
    public static IHealthChecksBuilder AddPostgresReadiness(this IHealthChecksBuilder checks) =>
        checks.AddCheck<PostgresHealthCheck>("postgres", HealthStatus.Unhealthy, ["ready"], TimeSpan.FromSeconds(5));
}
