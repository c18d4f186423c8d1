using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Diagnostics.HealthChecks;
using Microsoft.Extensions.Configuration.Json;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using OpenTelemetry;
using OpenTelemetry.Metrics;
using OpenTelemetry.Resources;
using OpenTelemetry.Trace;

namespace Cds.ServiceDefaults;

public static class ServiceDefaultsExtensions
{
    /// <summary>Activity sources and meters of the platform (one per assembly that emits).</summary>
    /// <summary>Configuration key (also an environment variable) naming the tenants JSON file.</summary>
    public const string TenantsFileKey = "CDS_TENANTS_FILE";

    public static readonly string[] PlatformSources = ["Cds.Hooks", "Cds.Enrichment", "Cds.WriteBack", "Cds.Fhir", "Cds.EventStore"];

    /// <summary>
    /// OpenTelemetry (traces and metrics; OTLP when <c>OTEL_EXPORTER_OTLP_ENDPOINT</c> is set; Prometheus scrape at
    /// <c>/metrics</c>), health checks and structured console logs. Call once per host.
    /// </summary>
    /// <param name="reloadTenantsFile">Watch the tenants file and reload it when it changes (settings read through IOptionsMonitor).</param>
    public static IHostApplicationBuilder AddServiceDefaults(this IHostApplicationBuilder builder, string serviceName, bool reloadTenantsFile = false)
    {
        // Tenant configuration (one file per deployment: Epic customers and their environments) is shared by every
        // host. CDS_TENANTS_FILE names it; environment variables and command-line arguments still override it.
        var tenantsFile = builder.Configuration[TenantsFileKey];
        if (!string.IsNullOrWhiteSpace(tenantsFile))
        {
            var source = new JsonConfigurationSource { Path = Path.GetFullPath(tenantsFile), Optional = false, ReloadOnChange = reloadTenantsFile };
            source.ResolveFileProvider();
            var sources = builder.Configuration.Sources;
            var afterAppSettings = sources.Select((s, i) => (s, i)).LastOrDefault(x => x.s is JsonConfigurationSource).i + 1;
            sources.Insert(Math.Max(afterAppSettings, 0), source);
        }

        builder.Logging.ClearProviders();
        builder.Logging.AddJsonConsole(o =>
        {
            o.IncludeScopes = false;
            o.UseUtcTimestamp = true;
            o.TimestampFormat = "yyyy-MM-ddTHH:mm:ss.fffZ ";
        });
        // Request/response bodies and headers are never logged (they carry PHI and tokens).
        builder.Logging.AddFilter("Microsoft.AspNetCore.HttpLogging", LogLevel.None);
        builder.Logging.AddFilter("System.Net.Http.HttpClient", LogLevel.Warning);

        var otel = builder.Services.AddOpenTelemetry()
            .ConfigureResource(r => r.AddService(serviceName))
            .WithTracing(t => t
                .AddSource(PlatformSources)
                .AddSource("MassTransit", "Marten", "Npgsql")
                .AddAspNetCoreInstrumentation(o => o.Filter = ctx => !IsInfrastructurePath(ctx.Request.Path))
                .AddHttpClientInstrumentation(o => o.RecordException = false))
            .WithMetrics(m => m
                .AddMeter(PlatformSources)
                .AddMeter("MassTransit", "Marten")
                .AddAspNetCoreInstrumentation()
                .AddHttpClientInstrumentation()
                .AddRuntimeInstrumentation()
                .AddPrometheusExporter());
        if (!string.IsNullOrWhiteSpace(builder.Configuration["OTEL_EXPORTER_OTLP_ENDPOINT"]))
        {
            otel.UseOtlpExporter();
        }

        builder.Services.AddHealthChecks()
            .AddCheck("self", () => HealthCheckResult.Healthy(), tags: ["live"]);
        return builder;
    }

    /// <summary><c>/health/live</c>, <c>/health/ready</c> (every check tagged "ready": bus, database, tenants) and <c>/metrics</c>.</summary>
    public static WebApplication MapDefaultEndpoints(this WebApplication app)
    {
        app.MapHealthChecks("/health/live", new HealthCheckOptions { Predicate = c => c.Tags.Contains("live") });
        app.MapHealthChecks("/health/ready", new HealthCheckOptions
        {
            Predicate = c => c.Tags.Contains("ready"),
            ResponseWriter = HealthResponse.WriteAsync,
        });
        app.MapPrometheusScrapingEndpoint("/metrics");
        return app;
    }

    private static bool IsInfrastructurePath(Microsoft.AspNetCore.Http.PathString path) =>
        path.StartsWithSegments("/health") || path.StartsWithSegments("/metrics");
}
