using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Diagnostics.HealthChecks;
using Microsoft.Extensions.Configuration.Json;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
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

    public static readonly string[] PlatformSources = ["Cds.Hooks", "Cds.Enrichment", "Cds.WriteBack", "Cds.Fhir", "Cds.EventStore", "Cds.Tenants"];

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
        AddPhiSafeLogging(builder);

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

    /// <summary>
    /// What the libraries may log, set here for every host (issue 14): logs are JSON on stdout and leave the
    /// process, so no patient id, name, MRN, Epic user id or token may reach them from any library. Filters are
    /// registered after the host's configuration, so they win over <c>Logging:LogLevel</c> for the same category.
    /// </summary>
    private static void AddPhiSafeLogging(IHostApplicationBuilder builder)
    {
        var logging = builder.Logging;
        // ASP.NET Core. HTTP and W3C logging would write request/response bodies and headers (the hook body is the
        // chart; the Authorization header is Epic's JWT): off whatever configuration says. Hosting's request
        // start/finish lines carry the full URL with its query string (Information): Warning and above only (latency
        // and status are in the metrics and traces). Authentication's Information lines quote the handler's failure
        // message; Kestrel's Debug lines quote bad request lines and header values: Warning and above. Unhandled
        // exceptions (Microsoft.AspNetCore.Diagnostics, Error) stay, scrubbed below.
        logging.AddFilter("Microsoft.AspNetCore.HttpLogging", LogLevel.None);
        logging.AddFilter("Microsoft.AspNetCore.W3CLogging", LogLevel.None);
        logging.AddFilter("Microsoft.AspNetCore", LogLevel.Warning);
        // HttpClient (Epic FHIR, token endpoint, JWKS). Its Information lines hold each request URI — FHIR searches
        // carry the patient in the query (?patient=…) and reads in the path (Patient/…) — and its Trace lines the
        // headers (bearer tokens): Warning and above only. .NET's own URI redaction in these logs (query → "*", since
        // .NET 9) stays on: never set the System.Net.Http.DisableUriRedaction switch or DOTNET_SYSTEM_NET_HTTP_DISABLEURIREDACTION. Polly's resilience telemetry (the FHIR
        // client's retries and circuit breaker) logs every attempt at Information: Warning and above (retries, opened
        // circuits), exceptions scrubbed below.
        logging.AddFilter("System.Net.Http.HttpClient", LogLevel.Warning);
        logging.AddFilter("Polly", LogLevel.Warning);
        // Npgsql. No host gives Npgsql a logger factory (Marten and the jti replay store build their data sources
        // without one, and NpgsqlLoggingConfiguration.InitializeLogging is never called), so Npgsql writes nothing;
        // if one is ever wired, parameter logging stays off (Npgsql's default: never call EnableParameterLogging),
        // command logging (Npgsql.Command: SQL, and parameters when enabled) is off here, the rest Warning and above.
        // PostgreSQL's error details (which quote row values) stay out of exceptions: never set Include Error Detail.
        logging.AddFilter("Npgsql", LogLevel.Warning);
        logging.AddFilter("Npgsql.Command", LogLevel.None);
        // Marten. Its default logger writes failed commands with every parameter (event JSON: patient, encounter and
        // user ids) at Error and every command with parameters at Debug; the event store replaces it with
        // Cds.EventStore.PhiSafeMartenLogger (category "Marten": statement, SQL state, exception types, no values).
        // Marten.IDocumentStore, the default logger's category, is off in case a host ever ends up with it.
        logging.AddFilter("Marten", LogLevel.Information);
        logging.AddFilter("Marten.IDocumentStore", LogLevel.None);
        // MassTransit. Information: bus and endpoint lifecycle; Warning/Error: retries (R-RETRY), faults (R-FAULT,
        // S-FAULT) and connection failures with the exception, scrubbed below. Message bodies are logged only by its
        // Debug/Trace message logging (MassTransit.Messages, MassTransit.ReceiveTransport's RECEIVE/SEND lines): off.
        logging.AddFilter("MassTransit", LogLevel.Information);
        logging.AddFilter("MassTransit.Messages", LogLevel.None);
        logging.AddFilter("MassTransit.ReceiveTransport", LogLevel.Warning);
        logging.AddFilter("MassTransit.SendTransport", LogLevel.Warning);
        // Whatever still gets through (an exception message quoting a URL, Epic's OperationOutcome text, a library
        // we did not list): every provider of every host sees messages, state and scope values and exceptions only
        // after LogRedactor has scrubbed the shapes of tokens and patient identifiers.
        builder.Services.Replace(ServiceDescriptor.Singleton<ILoggerFactory>(sp => new RedactingLoggerFactory(new LoggerFactory(
            sp.GetServices<ILoggerProvider>(),
            sp.GetRequiredService<IOptionsMonitor<LoggerFilterOptions>>(),
            sp.GetService<IOptions<LoggerFactoryOptions>>(),
            sp.GetService<IExternalScopeProvider>()))));
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
