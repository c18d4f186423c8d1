using System.Threading.RateLimiting;
using Cds.Fhir.Http;
using Cds.Hooks.HookServices;
using Cds.Hooks.Prefetch;
using Cds.Hooks.Requests;
using Cds.Hooks.Security;
using Cds.Tenants;
using Microsoft.AspNetCore.Cors.Infrastructure;
using Microsoft.Extensions.Options;

namespace Cds.Hooks;

public static class HooksRegistration
{
    private const string ArrivedAtItem = "cds.arrived-at";

    /// <summary>
    /// Notes when each request arrived, before authentication (a JWKS download, the jti check) and body reading: a
    /// hook's deadline counts from here, as Epic's timer does from its send.
    /// </summary>
    public static IApplicationBuilder UseHookArrivalClock(this IApplicationBuilder app) =>
        app.Use((context, next) =>
        {
            context.Items[ArrivedAtItem] = System.Diagnostics.Stopwatch.GetTimestamp();
            return next(context);
        });

    /// <summary>When the request arrived (<see cref="System.Diagnostics.Stopwatch.GetTimestamp"/>), or now without the clock.</summary>
    public static long ArrivedAt(this HttpContext context) =>
        context.Items.TryGetValue(ArrivedAtItem, out var at) && at is long ticks ? ticks : System.Diagnostics.Stopwatch.GetTimestamp();

    public const string CorsPolicy = "cds-hooks-clients";
    public const string TenantRateLimit = "per-tenant";

    /// <summary>Everything the hooks host adds to the shared defaults: services, auth, request reading, prefetch, CORS.</summary>
    public static IServiceCollection AddCdsHooks(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddOptions<HookOptions>().Bind(configuration.GetSection(HookOptions.Section))
            .Validate(o => o.Deadline > TimeSpan.Zero && o.Deadline < TimeSpan.FromSeconds(30), "Hooks:Deadline must be between 0 and 30 s")
            .ValidateOnStart();
        services.AddSingleton(new CdsServiceCatalog(HookServiceIds.All));
        services.AddSingleton<HookMetrics>();
        services.AddSingleton(TimeProvider.System);
        services.AddOptions<HookRecorderOptions>().Bind(configuration.GetSection(HookRecorderOptions.Section))
            .Validate(o => o.Window > TimeSpan.Zero && o.Window <= TimeSpan.FromMilliseconds(2) && o.MaxBatch > 0,
                "Hooks:Recorder:Window must be between 0 and 2 ms and Hooks:Recorder:MaxBatch positive")
            .ValidateOnStart();
        services.AddSingleton<HookRecorder>();
        services.AddSingleton<PatientStateReader>();
        services.AddSingleton<LocalEvaluation>();
        services.AddSingleton<BusEvaluation>();
        services.AddSingleton<HookPipeline>();
        // The rules are decided here (shared/Cds.Rules), validated at start-up; silent mode and each tenant's rule
        // tuning (Tenants:{id}:Rules) follow the tenants file.
        services.AddSingleton(_ => Cds.Rules.RuleSetLoader.LoadDefault());
        services.AddTenantSettings(configuration);
        services.AddTenantRuleSets();
        services.AddHostedService<Alerts.AlertSettingsRecorder>();
        services.AddScoped<FeedbackRecorder>();
        services.AddSingleton<PrefetchFetcher>();
        services.AddHttpClient(PrefetchFetcher.HttpClientName)
            .ConfigurePrimaryHttpMessageHandler(() => new SocketsHttpHandler { AllowAutoRedirect = false, UseCookies = false })
            // The hook-token reads move the same cds.fhir.requests series as the backend's (token_kind=hook).
            .AddFhirCallMetering(FhirTokenKind.Hook);

        services.AddEpicJwtAuthentication(configuration);
        services.AddHookRequestReading(configuration);
        services.AddHookTransport(configuration);

        // Per tenant (from the verified JWT): one health system's storm cannot starve the others. Hooks:RateLimit is
        // every tenant's default; Tenants:{id}:RateLimit overrides it for one (a large system, a test tenant).
        var limits = configuration.GetSection($"{HookOptions.Section}:RateLimit").Get<TenantRateLimitOptions>() ?? new TenantRateLimitOptions();
        services.AddRateLimiter(o =>
        {
            o.AddPolicy(TenantRateLimit, http => RateLimitPartition.GetTokenBucketLimiter(http.GetTenant() ?? "", tenant =>
            {
                var tenants = http.RequestServices.GetRequiredService<IOptionsMonitor<ConfiguredTenants>>().CurrentValue;
                var own = limits.Over(tenants.Find(tenant)?.RateLimit);
                return new TokenBucketRateLimiterOptions
                {
                    TokenLimit = own.Burst,
                    TokensPerPeriod = own.PermitsPerSecond,
                    ReplenishmentPeriod = TimeSpan.FromSeconds(1),
                    QueueLimit = 0,
                    AutoReplenishment = true,
                };
            }));
            o.OnRejected = async (context, ct) =>
            {
                context.HttpContext.Response.StatusCode = StatusCodes.Status429TooManyRequests;
                context.HttpContext.Response.Headers.RetryAfter = "1";
                await OperationOutcomes.Problem(StatusCodes.Status429TooManyRequests,
                    [("$", "Too many calls for this tenant; slow down.")]).ExecuteAsync(context.HttpContext);
            };
        });

        services.AddCors();
        services.AddOptions<CorsOptions>().Configure<IOptions<HookOptions>>((cors, hooks) => cors.AddPolicy(CorsPolicy, p =>
        {
            if (hooks.Value.CorsOrigins.Length > 0)
            {
                p.WithOrigins(hooks.Value.CorsOrigins).WithMethods("GET", "POST").WithHeaders("Authorization", "Content-Type");
            }
        }));
        return services;
    }
}
