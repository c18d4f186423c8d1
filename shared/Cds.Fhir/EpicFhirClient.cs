using System.Text.RegularExpressions;
using Cds.Fhir.Configuration;
using Cds.Fhir.Http;
using Cds.Fhir.Search;
using Hl7.Fhir.Model;
using Hl7.Fhir.Rest;
using Hl7.Fhir.Serialization;
using Microsoft.Extensions.Logging;
using Polly.CircuitBreaker;
using Polly.Timeout;
using Tasks = System.Threading.Tasks;

namespace Cds.Fhir;

/// <summary>
/// Epic-aware FHIR R4 access for one tenant, over Firely's <see cref="FhirClient"/> and the tenant's HttpClient
/// (backend token, retries with Retry-After, circuit breaker, 403 classification, metrics). Thread-safe.
/// </summary>
public sealed partial class EpicFhirClient
{
    private readonly FhirTenantRegistry _tenants;
    private readonly IHttpClientFactory _httpClientFactory;
    private readonly CapabilityCache _capabilities;
    private readonly FhirMetrics _metrics;
    private readonly ILogger _logger;

    internal EpicFhirClient(string tenant, FhirTenantRegistry tenants, IHttpClientFactory httpClientFactory, CapabilityCache capabilities,
        FhirMetrics metrics, ILogger logger)
    {
        Tenant = tenant;
        _tenants = tenants;
        _httpClientFactory = httpClientFactory;
        _capabilities = capabilities;
        _metrics = metrics;
        _logger = logger;
    }

    public string Tenant { get; }

    /// <summary>Name of the tenant's HttpClient in <see cref="IHttpClientFactory"/>.</summary>
    public static string HttpClientName(string tenant) => "Cds.Fhir.Tenant." + tenant.ToLowerInvariant();

    /// <summary>Reads <c>{Type}/{id}</c>; null when Epic answers 404 or 410.</summary>
    public async Task<T?> ReadAsync<T>(string id, CancellationToken ct = default) where T : Resource
    {
        var type = TypeName<T>();
        if (string.IsNullOrEmpty(id) || !IdPattern().IsMatch(id))
        {
            throw new ArgumentException($"Not a FHIR id for {type} (letters, digits, '-' and '.' only).", nameof(id));
        }

        try
        {
            return await CallAsync(new FhirCallScope(type, FhirInteraction.Read), c => c.ReadAsync<T>($"{type}/{id}", ct: ct), ct).ConfigureAwait(false);
        }
        catch (EpicFhirCallException ex) when (ex.StatusCode is 404 or 410)
        {
            return null;
        }
    }

    /// <summary>
    /// Searches <typeparamref name="T"/> with <paramref name="parameters"/> (name, value; repeat a name for AND), follows
    /// <c>Bundle.link[next]</c> exactly as returned, within the tenant's (or <paramref name="limits"/>) caps.
    /// Epic's rules and the tenant's supported parameters are checked before the call.
    /// </summary>
    public async Task<SearchResult<T>> SearchAsync<T>(IEnumerable<KeyValuePair<string, string>> parameters, CancellationToken ct = default,
        SearchLimits? limits = null) where T : Resource
    {
        var type = TypeName<T>();
        var options = _tenants.Get(Tenant);
        var list = parameters.ToList();
        SearchGuard.CheckEpicRules(Tenant, type, list);
        if (options.Search.UseCapabilityStatement || options.Search.SupportedParameters.Count > 0)
        {
            var capability = options.Search.UseCapabilityStatement ? await _capabilities.GetAsync(this, ct).ConfigureAwait(false) : null;
            SearchGuard.CheckSupported(Tenant, type, list, SearchGuard.Supported(capability, type, options.Search.SupportedParameters));
        }

        limits ??= new SearchLimits(options.Search.MaxPages, options.Search.MaxResources, options.Search.MaxBytes);
        var query = new SearchParams();
        foreach (var (name, value) in list)
        {
            query.Add(name, value);
        }

        if (options.Search.PageSize > 0 && !list.Any(p => p.Key == "_count"))
        {
            query.Add("_count", options.Search.PageSize.ToString(System.Globalization.CultureInfo.InvariantCulture));
        }

        var scope = new FhirCallScope(type, FhirInteraction.Search, limits.MaxBytes);
        var accumulator = new SearchAccumulator<T>(limits);
        try
        {
            var page = await CallAsync(scope, c => c.SearchAsync(query, type, ct), ct).ConfigureAwait(false);
            while (page is not null && accumulator.Add(page))
            {
                var current = page;
                page = await CallAsync(scope, c => c.ContinueAsync(current, PageDirection.Next, ct), ct).ConfigureAwait(false);
            }
        }
        catch (ByteBudgetExceededException)
        {
            accumulator.CutByBytes();
        }

        var result = accumulator.Build(scope.BytesRead);
        if (result.Truncated)
        {
            _metrics.Truncated(Tenant, type, result.TruncationReason.ToString());
            _logger.LogWarning("Search on {Resource} for tenant {Tenant} cut by {Reason} after {Pages} page(s), {Count} resource(s), {Bytes} bytes",
                type, Tenant, result.TruncationReason, result.Pages, result.Resources.Count, result.Bytes);
        }

        return result;
    }

    /// <summary>
    /// Search parameters this tenant supports for <paramref name="resourceType"/> (CapabilityStatement, cached, plus
    /// the configured overrides); null when nothing says (capability check off or not served, and no override).
    /// </summary>
    public async Task<IReadOnlySet<string>?> GetSupportedSearchParametersAsync(string resourceType, CancellationToken ct = default)
    {
        var options = _tenants.Get(Tenant);
        var capability = options.Search.UseCapabilityStatement ? await _capabilities.GetAsync(this, ct).ConfigureAwait(false) : null;
        return SearchGuard.Supported(capability, resourceType, options.Search.SupportedParameters);
    }

    /// <summary>
    /// Creates <paramref name="resource"/>; with <paramref name="ifNoneExist"/> (a query such as
    /// <c>identifier=urn:sys|123</c>) Epic returns the existing resource instead of a duplicate. Refused before the call
    /// when the tenant's <c>WriteBack.Enabled</c> is false.
    /// </summary>
    public async Task<CreateResult<T>> CreateAsync<T>(T resource, string? ifNoneExist, CancellationToken ct = default) where T : Resource
    {
        ArgumentNullException.ThrowIfNull(resource);
        var type = TypeName<T>();
        if (!_tenants.Get(Tenant).WriteBack.Enabled)
        {
            throw new WriteBackDisabledException(Tenant, type);
        }

        SearchParams? condition = null;
        if (!string.IsNullOrWhiteSpace(ifNoneExist))
        {
            condition = SearchParams.FromUriParamList(FhirWire.ParseQuery(ifNoneExist));
        }

        var scope = new FhirCallScope(type, FhirInteraction.Create);
        var (created, status, location) = await CallWithClientAsync(scope, async c =>
        {
            var r = condition is null ? await c.CreateAsync(resource, ct).ConfigureAwait(false) : await c.ConditionalCreateAsync(resource, condition, ct).ConfigureAwait(false);
            return (r, FhirWire.ParseStatus(c.LastResult?.Status) ?? scope.LastStatus ?? 0, c.LastResult?.Location);
        }, ct).ConfigureAwait(false);

        var id = created?.Id ?? FhirWire.IdFromLocation(location, type);
        return new CreateResult<T>(created, status == 201, status, id, location);
    }

    /// <summary>The tenant's CapabilityStatement (<c>GET metadata</c>), not cached here; searches use a cached copy.</summary>
    /// <summary>
    /// Before the first hook: fetches and caches what every search consults (the tenant's CapabilityStatement, a large
    /// resource whose first parse also JIT-compiles Firely's deserializer), so a fresh instance's first evaluations do
    /// not spend their deadline on it. A tenant configured without it does nothing here.
    /// </summary>
    public async Tasks.Task WarmUpAsync(CancellationToken ct = default)
    {
        if (_tenants.Get(Tenant).Search.UseCapabilityStatement)
        {
            await _capabilities.GetAsync(this, ct).ConfigureAwait(false);
        }
    }

    public async Task<CapabilityStatement> GetCapabilityStatementAsync(CancellationToken ct = default)
    {
        var result = await CallAsync(new FhirCallScope("CapabilityStatement", FhirInteraction.Capabilities),
            c => c.CapabilityStatementAsync(SummaryType.False, ct), ct).ConfigureAwait(false);
        return result as CapabilityStatement ?? throw new EpicFhirCallException(Tenant, "CapabilityStatement", FhirInteraction.Capabilities, 200,
            "the metadata endpoint did not return a CapabilityStatement");
    }

    private Task<TResult> CallAsync<TResult>(FhirCallScope scope, Func<FhirClient, Task<TResult>> call, CancellationToken ct) =>
        CallWithClientAsync(scope, call, ct);

    private async Task<TResult> CallWithClientAsync<TResult>(FhirCallScope scope, Func<FhirClient, Task<TResult>> call, CancellationToken ct)
    {
        var fhirBase = _tenants.GetFhirBase(Tenant);
        using var http = _httpClientFactory.CreateClient(HttpClientName(Tenant));
        using var client = new FhirClient(fhirBase, http, Settings);
        using var _ = FhirCallScope.Enter(scope);
        try
        {
            return await call(client).ConfigureAwait(false);
        }
        catch (EpicFhirException)
        {
            throw;
        }
        catch (ByteBudgetExceededException)
        {
            throw;
        }
        catch (OperationCanceledException) when (ct.IsCancellationRequested)
        {
            throw;
        }
        catch (FhirOperationException ex)
        {
            throw Translate(scope, (int)ex.Status, ex.Outcome);
        }
        catch (BrokenCircuitException ex)
        {
            throw new EpicFhirCallException(Tenant, scope.Resource, scope.Interaction, null,
                "the circuit breaker of this tenant is open (Epic kept failing); calls resume after Resilience.BreakerBreakDuration", ex);
        }
        catch (TimeoutRejectedException ex)
        {
            throw new EpicFhirCallException(Tenant, scope.Resource, scope.Interaction, null,
                "timed out (Resilience.AttemptTimeout / TotalTimeout)", ex);
        }
        catch (OperationCanceledException ex)
        {
            throw new EpicFhirCallException(Tenant, scope.Resource, scope.Interaction, null, "timed out", ex);
        }
        catch (HttpRequestException ex)
        {
            throw new EpicFhirCallException(Tenant, scope.Resource, scope.Interaction, null,
                $"the connection to Epic failed ({ex.HttpRequestError}) after retries", ex);
        }
        catch (Exception ex) when (ex is DeserializationFailedException or FormatException)
        {
            // No inner exception: parser messages may quote response content.
            throw new EpicFhirCallException(Tenant, scope.Resource, scope.Interaction, scope.LastStatus,
                $"the response could not be read as FHIR ({ex.GetType().Name})");
        }
    }

    private EpicFhirException Translate(FhirCallScope scope, int status, OperationOutcome? outcome)
    {
        var codes = outcome?.Issue?.Where(i => i is not null).Select(OutcomeText.IssueCode).Distinct(StringComparer.Ordinal).ToList() ?? [];
        var codeText = codes.Count == 0 ? "" : $" (OperationOutcome codes: {string.Join(", ", codes)})";
        if (scope.Interaction == FhirInteraction.Search && status is 400 or 422)
        {
            var details = outcome?.Issue?.Select(i => i?.Details?.Text).FirstOrDefault(t => !string.IsNullOrWhiteSpace(t));
            return new EpicSearchRejectedException(Tenant, scope.Resource,
                (details is null ? "the server refused the search" : $"\"{Truncate(details)}\"") + codeText, status, codes);
        }

        var reason = status switch
        {
            404 => "not found",
            410 => "gone",
            429 => scope.LastRetryAfterSeconds is { } s
                ? $"rate limited by Epic; it asked to wait {s:0.#} s, beyond Resilience.MaxRetryDelay or after the retries were exhausted"
                : "rate limited by Epic; retries exhausted",
            >= 500 => "Epic kept failing; retries exhausted",
            412 => "precondition failed (If-None-Exist matched more than one resource?)",
            _ => "unexpected answer",
        };
        return new EpicFhirCallException(Tenant, scope.Resource, scope.Interaction, status, reason + codeText);
    }

    private static string Truncate(string s) => s.Length > 200 ? s[..200] : s;

    internal static string TypeName<T>() where T : Resource =>
        ModelInfo.GetFhirTypeNameForType(typeof(T)) ?? throw new ArgumentException($"{typeof(T).Name} is not a FHIR resource type.");

    private static readonly FhirClientSettings Settings = new()
    {
        PreferredFormat = ResourceFormat.Json,
        VerifyFhirVersion = false,
        // Epic data is not always conformant (must-support ≠ present, extra elements): read leniently.
        SerializationEngine = FhirSerializationEngineFactory.Ostrich(ModelInfo.ModelInspector),
    };

    [GeneratedRegex(@"^[A-Za-z0-9\-\.]{1,256}$")]
    private static partial Regex IdPattern();
}
