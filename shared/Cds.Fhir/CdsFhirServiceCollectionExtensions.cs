using Cds.Fhir.Auth;
using Cds.Fhir.Bulk;
using Cds.Fhir.Configuration;
using Cds.Fhir.Http;
using Cds.Fhir.Patients;
using Cds.Tenants;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Http.Resilience;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Polly;

namespace Cds.Fhir;

public static class CdsFhirServiceCollectionExtensions
{
    /// <summary>
    /// Registers SMART Backend Services and Epic-aware FHIR access for every tenant under <c>Tenants</c> in
    /// <paramref name="configuration"/> (the root configuration, or any section holding a <c>Tenants</c> child):
    /// the tenant settings (<see cref="TenantSettingsRegistration.AddTenantSettings"/>, this library's parts checked at
    /// start-up by <see cref="TenantOptionsValidator"/>), one HttpClient per tenant (standard resilience handler with
    /// Retry-After, jitter and a per-tenant circuit breaker, then the backend token, then 403 classification,
    /// then metrics of each attempt), <see cref="IEpicFhirClientFactory"/>, <see cref="IPatientContextReader"/> and the
    /// <c>Cds.Fhir</c> meter.
    /// </summary>
    public static IServiceCollection AddCdsFhir(this IServiceCollection services, IConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        services.AddTenantSettings(configuration).AddTenantSettingsCheck<TenantOptionsValidator>();
        services.AddMetrics();
        services.AddLogging();
        services.TryAddSingleton(TimeProvider.System);
        services.TryAddSingleton<FhirMetrics>();
        services.TryAddSingleton<FhirTenantRegistry>();
        services.TryAddSingleton<SmartConfigurationCache>();
        services.TryAddSingleton<BackendTokenProvider>();
        services.TryAddSingleton<CapabilityCache>();
        services.TryAddSingleton<IEpicFhirClientFactory, EpicFhirClientFactory>();
        services.TryAddSingleton<IPatientContextReader, PatientContextReader>();

        // The factory's default loggers write request URLs, which carry patient ids: removed; our handlers log
        // tenant, resource type, interaction and status only.
        services.AddHttpClient(SmartConfigurationCache.HttpClientName, c => c.Timeout = TimeSpan.FromSeconds(30)).RemoveAllLoggers();
        services.AddHttpClient(BackendTokenProvider.HttpClientName, c => c.Timeout = TimeSpan.FromSeconds(60)).RemoveAllLoggers();

        var tenantIds = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
        // Each tenant gets its clients; their settings are read from the one binding when the clients are built.
        foreach (var id in TenantSettingsBinder.TenantIds(configuration))
        {
            tenantIds.Add(id);
            var builder = services.AddHttpClient(EpicFhirClient.HttpClientName(id), c => c.Timeout = Timeout.InfiniteTimeSpan).RemoveAllLoggers();

            // Outermost: retries (429/5xx/408/timeouts, Retry-After honoured, exponential backoff with jitter) and
            // this tenant's own circuit breaker. Each attempt goes through the token handler, so a retry after a long
            // wait still carries a token that is valid at that moment.
            builder.AddStandardResilienceHandler().Configure((o, sp) => Apply(o,
                sp.GetRequiredService<FhirTenantRegistry>().Get(id).Resilience, id, sp.GetRequiredService<FhirMetrics>()));
            builder.AddHttpMessageHandler(sp => new BackendAuthHandler(id, sp.GetRequiredService<BackendTokenProvider>(),
                sp.GetRequiredService<FhirMetrics>(), sp.GetRequiredService<ILogger<BackendAuthHandler>>()));
            builder.AddHttpMessageHandler(sp => new EpicResponseHandler(id, sp.GetRequiredService<FhirTenantRegistry>(),
                sp.GetRequiredService<FhirMetrics>(), sp.GetRequiredService<ILogger<EpicResponseHandler>>()));
            // Innermost: every attempt is one cds.fhir.requests call with token_kind=backend.
            builder.AddFhirCallMetering(FhirTokenKind.Backend, id);

            // Bulk export: the backend token, no retry handler (the client waits out Retry-After and cooldowns itself)
            // and no overall timeout (a file streams for as long as it takes; each request has its own timeout).
            services.AddHttpClient(BulkExportClient.HttpClientName(id), c => c.Timeout = Timeout.InfiniteTimeSpan).RemoveAllLoggers()
                .AddHttpMessageHandler(sp => new BackendAuthHandler(id, sp.GetRequiredService<BackendTokenProvider>(),
                    sp.GetRequiredService<FhirMetrics>(), sp.GetRequiredService<ILogger<BackendAuthHandler>>()))
                .AddFhirCallMetering(FhirTokenKind.Backend, id);
        }

        services.AddHttpClient(BulkExportClient.PlainFileClientName, c => c.Timeout = Timeout.InfiniteTimeSpan).RemoveAllLoggers();
        services.TryAddSingleton<BulkMetrics>();
        services.TryAddSingleton<BulkExportClient>();

        services.AddSingleton(new RegisteredTenantClients(tenantIds));
        return services;
    }

    private static void Apply(HttpStandardResilienceOptions o, FhirResilienceOptions r, string tenant, FhirMetrics metrics)
    {
        o.TotalRequestTimeout.Timeout = r.TotalTimeout;
        o.AttemptTimeout.Timeout = r.AttemptTimeout;

        o.Retry.MaxRetryAttempts = r.MaxRetryAttempts;
        o.Retry.Delay = r.RetryBaseDelay;
        o.Retry.MaxDelay = r.MaxRetryDelay;
        o.Retry.BackoffType = DelayBackoffType.Exponential;
        o.Retry.UseJitter = true;
        o.Retry.ShouldRetryAfterHeader = true;
        var maxDelay = r.MaxRetryDelay;
        // Transient failures are retried, except when Epic asks for a longer pause than we are willing to wait:
        // retrying early would ignore Retry-After, so the 429/503 goes back to the caller instead.
        // An unconditional create is not retried either: after a timeout it may have been stored already. A create
        // with If-None-Exist (write-back's way) and every read/search is safe to repeat.
        o.Retry.ShouldHandle = args => ValueTask.FromResult(
            HttpClientResiliencePredicates.IsTransient(args.Outcome)
            && !AsksForLongerPause(args.Outcome.Result, maxDelay)
            && IsSafeToRepeat(args.Context.GetRequestMessage()));

        o.CircuitBreaker.FailureRatio = r.BreakerFailureRatio;
        o.CircuitBreaker.MinimumThroughput = r.BreakerMinimumThroughput;
        o.CircuitBreaker.SamplingDuration = r.BreakerSamplingDuration;
        o.CircuitBreaker.BreakDuration = r.BreakerBreakDuration;
        // The breaker's state is a metric (cds.fhir.circuit.state, cds.fhir.circuit.transitions) to alert on.
        metrics.Circuit(tenant, CircuitState.Closed, transition: false);
        o.CircuitBreaker.OnOpened = args => Changed(CircuitState.Open, args.BreakDuration);
        o.CircuitBreaker.OnHalfOpened = _ => Changed(CircuitState.HalfOpen, default);
        o.CircuitBreaker.OnClosed = _ => Changed(CircuitState.Closed, default);

        ValueTask Changed(CircuitState state, TimeSpan breakDuration)
        {
            metrics.Circuit(tenant, state, transition: true, breakDuration);
            return ValueTask.CompletedTask;
        }
    }

    private static bool IsSafeToRepeat(HttpRequestMessage? request) =>
        request is null
        || request.Method != HttpMethod.Post
        || request.Headers.Contains("If-None-Exist")
        || request.RequestUri?.AbsolutePath.EndsWith("/_search", StringComparison.Ordinal) == true;

    private static bool AsksForLongerPause(HttpResponseMessage? response, TimeSpan maxDelay)
    {
        var retryAfter = response?.Headers.RetryAfter;
        var wait = retryAfter?.Delta ?? (retryAfter?.Date is { } date ? date - DateTimeOffset.UtcNow : null);
        return wait > maxDelay;
    }
}
