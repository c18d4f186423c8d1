using System.Diagnostics;
using System.Diagnostics.Metrics;

namespace Cds.Fhir;

/// <summary>
/// Instruments of the <c>Cds.Fhir</c> meter. Tags are tenant, resource type, interaction, status, token kind, OAuth error code:
/// never ids, tokens or query values.
/// </summary>
public sealed class FhirMetrics
{
    public const string MeterName = "Cds.Fhir";

    private readonly Counter<long> _requests;
    private readonly Histogram<double> _duration;
    private readonly Counter<long> _tokenRefreshes;
    private readonly Counter<long> _tokenFailures;
    private readonly Counter<long> _forbidden;
    private readonly Counter<long> _invalidClient;
    private readonly Counter<long> _unauthorizedRetries;
    private readonly Counter<long> _truncated;
    private readonly Counter<long> _circuitTransitions;
    private readonly System.Collections.Concurrent.ConcurrentDictionary<string, (CircuitState State, DateTimeOffset OpenUntil)> _circuits =
        new(StringComparer.OrdinalIgnoreCase);
    private readonly TimeProvider _time;

    public FhirMetrics(IMeterFactory meterFactory, TimeProvider? time = null)
    {
        _time = time ?? TimeProvider.System;
        var meter = meterFactory.Create(MeterName);
        _requests = meter.CreateCounter<long>("cds.fhir.requests", description: "FHIR HTTP calls to Epic from every process, by tenant, resource, interaction, status and token kind (backend, hook)");
        _duration = meter.CreateHistogram<double>("cds.fhir.request.duration", unit: "s", description: "Duration of FHIR HTTP calls to Epic");
        _tokenRefreshes = meter.CreateCounter<long>("cds.fhir.token.refreshes", description: "Access tokens obtained from the token endpoint");
        _tokenFailures = meter.CreateCounter<long>("cds.fhir.token.failures", description: "Failed token requests, by OAuth error");
        _forbidden = meter.CreateCounter<long>("cds.fhir.forbidden", description: "403 'not authorized for this service' answers, by resource and interaction");
        _invalidClient = meter.CreateCounter<long>("cds.fhir.invalid_client", description: "invalid_client answers from the token endpoint");
        _unauthorizedRetries = meter.CreateCounter<long>("cds.fhir.unauthorized.retries", description: "401 answers that forced a token refresh and one retry");
        _truncated = meter.CreateCounter<long>("cds.fhir.search.truncated", description: "Searches cut by a page, resource or byte cap");
        _circuitTransitions = meter.CreateCounter<long>("cds.fhir.circuit.transitions",
            description: "Changes of a tenant's circuit breaker, by the state entered (open, half_open, closed)");
        meter.CreateObservableGauge("cds.fhir.circuit.state", ObserveCircuits,
            description: "A tenant's circuit breaker toward its Epic: 0 closed, 1 half-open (probing), 2 open (calls refused)");
    }

    /// <param name="tokenKind">"backend" (the platform's SMART backend token) or "hook" (the hook's fhirAuthorization).</param>
    internal void Request(string tenant, string resource, FhirInteraction interaction, int status, string tokenKind, double seconds)
    {
        var tags = new TagList
        {
            { "tenant", tenant }, { "resource", resource }, { "interaction", Lower(interaction) }, { "status", status }, { "token_kind", tokenKind },
        };
        _requests.Add(1, tags);
        _duration.Record(seconds, tags);
    }

    internal void TokenRefreshed(string tenant) => _tokenRefreshes.Add(1, new KeyValuePair<string, object?>("tenant", tenant));

    internal void TokenFailed(string tenant, string error) =>
        _tokenFailures.Add(1, new KeyValuePair<string, object?>("tenant", tenant), new KeyValuePair<string, object?>("error", error));

    internal void Forbidden(string tenant, string resource, FhirInteraction interaction) =>
        _forbidden.Add(1, new KeyValuePair<string, object?>("tenant", tenant), new KeyValuePair<string, object?>("resource", resource),
            new KeyValuePair<string, object?>("interaction", Lower(interaction)));

    internal void InvalidClient(string tenant, string environment) =>
        _invalidClient.Add(1, new KeyValuePair<string, object?>("tenant", tenant), new KeyValuePair<string, object?>("environment", environment));

    internal void UnauthorizedRetry(string tenant) => _unauthorizedRetries.Add(1, new KeyValuePair<string, object?>("tenant", tenant));

    internal void Truncated(string tenant, string resource, string reason) =>
        _truncated.Add(1, new KeyValuePair<string, object?>("tenant", tenant), new KeyValuePair<string, object?>("resource", resource),
            new KeyValuePair<string, object?>("reason", reason));

    internal void Circuit(string tenant, CircuitState state, bool transition, TimeSpan breakDuration = default)
    {
        _circuits[tenant] = (state, state == CircuitState.Open ? _time.GetUtcNow() + breakDuration : DateTimeOffset.MinValue);
        if (transition)
        {
            _circuitTransitions.Add(1, new KeyValuePair<string, object?>("tenant", tenant),
                new KeyValuePair<string, object?>("state", state switch { CircuitState.Open => "open", CircuitState.HalfOpen => "half_open", _ => "closed" }));
        }
    }

    /// <summary>
    /// A tenant's breaker as an operator should read it: an open breaker whose break is over is reported half-open
    /// (the next call probes Epic), so the gauge does not stay "open" on a quiet tenant that nobody calls.
    /// </summary>
    public CircuitState? CircuitOf(string tenant) => _circuits.TryGetValue(tenant, out var c) ? Effective(c) : null;

    private CircuitState Effective((CircuitState State, DateTimeOffset OpenUntil) c) =>
        c.State == CircuitState.Open && _time.GetUtcNow() >= c.OpenUntil ? CircuitState.HalfOpen : c.State;

    private IEnumerable<Measurement<int>> ObserveCircuits()
    {
        foreach (var (tenant, circuit) in _circuits)
        {
            yield return new Measurement<int>((int)Effective(circuit), new KeyValuePair<string, object?>("tenant", tenant));
        }
    }

    private static string Lower(FhirInteraction i) => i.ToString().ToLowerInvariant();
}
