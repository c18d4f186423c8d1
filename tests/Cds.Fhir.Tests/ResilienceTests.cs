using System.Diagnostics;
using Cds.EpicSandbox;
using Cds.Testing;
using Hl7.Fhir.Model;
using Microsoft.Extensions.DependencyInjection;
using Xunit;
using Task = System.Threading.Tasks.Task;

namespace Cds.Fhir.Tests;

/// <summary>403, 429, 503, timeouts, dropped connections and the per-tenant circuit breaker, over real HTTP.</summary>
public sealed class ResilienceTests : IClassFixture<SandboxFixture>
{
    private readonly EpicSandboxServer _sandbox;

    public ResilienceTests(SandboxFixture fixture)
    {
        _sandbox = fixture.Sandbox;
        _sandbox.Reset();
    }

    private int Requests(string type) => _sandbox.State.FhirRequests.Count(r => r.ResourceType == type);

    [Fact]
    public async Task A_403_names_resource_interaction_and_registration_is_counted_and_not_retried()
    {
        // The token is valid for the tenant's scopes, but AllergyIntolerance is not among them: Epic answers 403.
        await using var host = new FhirTestHost(new TenantConfig("t", _sandbox.FhirBaseUrl).Scopes("system/Patient.rs", "system/Observation.rs"));

        var ex = await Assert.ThrowsAsync<EpicNotAuthorizedForServiceException>(() =>
            host.Clients.ForTenant("t").SearchAsync<AllergyIntolerance>([new("patient", SandboxPatients.PenicillinAllergic)]));

        Assert.Equal("AllergyIntolerance", ex.Resource);
        Assert.Equal(FhirInteraction.Search, ex.Interaction);
        Assert.Contains("AllergyIntolerance.Search (R4)", ex.RegistrationHint);
        Assert.Contains("system/AllergyIntolerance.s", ex.Message);
        Assert.Contains("not authorized for this service", ex.Message);
        Assert.DoesNotContain(SandboxPatients.PenicillinAllergic, ex.Message);
        Assert.Equal(1, Requests("AllergyIntolerance"));
        Assert.Single(_sandbox.State.TokenRequests);
        Assert.Equal(1, host.Metrics.Sum("cds.fhir.forbidden", ("tenant", "t"), ("resource", "AllergyIntolerance"), ("interaction", "search")));
    }

    [Fact]
    public async Task A_429_is_retried_after_the_Retry_After_delay()
    {
        var rule = _sandbox.Faults.Status(429, "Patient", times: 2, retryAfterSeconds: 1);
        await using var host = new FhirTestHost(new TenantConfig("t", _sandbox.FhirBaseUrl));
        var watch = Stopwatch.StartNew();

        var patient = await host.Clients.ForTenant("t").ReadAsync<Patient>(SandboxPatients.OnLisinopril);

        Assert.NotNull(patient);
        Assert.Equal(2, rule.Fired);
        // Two waits of Retry-After = 1 s each (the configured base delay is only 50 ms).
        Assert.True(watch.Elapsed >= TimeSpan.FromSeconds(1.9), $"retried after {watch.Elapsed}, before Retry-After");
        Assert.Equal(2, host.Metrics.Sum("cds.fhir.requests", ("tenant", "t"), ("status", 429)));
    }

    [Fact]
    public async Task A_429_asking_for_longer_than_MaxRetryDelay_goes_back_to_the_caller_at_once()
    {
        _sandbox.Faults.Status(429, "Patient", retryAfterSeconds: 120);
        await using var host = new FhirTestHost(new TenantConfig("t", _sandbox.FhirBaseUrl));

        var ex = await Assert.ThrowsAsync<EpicFhirCallException>(() => host.Clients.ForTenant("t").ReadAsync<Patient>(SandboxPatients.OnLisinopril));

        Assert.Equal(429, ex.StatusCode);
        Assert.Contains("asked to wait 120 s", ex.Message);
        Assert.Equal(1, Requests("Patient"));
    }

    [Fact]
    public async Task A_503_is_retried_and_persistent_503s_exhaust_the_bounded_retries()
    {
        var once = _sandbox.Faults.Status(503, "Patient", times: 1, retryAfterSeconds: 0);
        await using var host = new FhirTestHost(new TenantConfig("t", _sandbox.FhirBaseUrl));
        var client = host.Clients.ForTenant("t");
        Assert.NotNull(await client.ReadAsync<Patient>(SandboxPatients.OnLisinopril));
        Assert.Equal(1, once.Fired);

        _sandbox.Faults.Clear();
        var always = _sandbox.Faults.Status(503, "Patient", retryAfterSeconds: 0);
        var ex = await Assert.ThrowsAsync<EpicFhirCallException>(() => client.ReadAsync<Patient>(SandboxPatients.OnLisinopril));
        Assert.Equal(503, ex.StatusCode);
        Assert.Equal(4, always.Fired); // 1 attempt + MaxRetryAttempts (3)
    }

    [Fact]
    public async Task Timeouts_and_dropped_connections_are_retried()
    {
        // Epic holds the first read for 30 s; the 2 s attempt timeout gives up on it and the retry is answered. (Wide
        // margins both ways: a loaded machine's slow first call still fits in 2 s, and no retry would mean 30 s.)
        _sandbox.Faults.Delay(TimeSpan.FromSeconds(30), "Patient", times: 1);
        _sandbox.Faults.DropConnection("Observation", times: 1);
        await using var host = new FhirTestHost(new TenantConfig("t", _sandbox.FhirBaseUrl).Set("Resilience:AttemptTimeout", "00:00:02"));
        var client = host.Clients.ForTenant("t");

        Assert.NotNull(await client.ReadAsync<Patient>(SandboxPatients.OnLisinopril));
        var labs = await client.SearchAsync<Observation>([new("patient", SandboxPatients.CkdOnMetformin), new("category", "laboratory")]);
        Assert.NotEmpty(labs.Resources);
    }

    [Fact]
    public async Task Persistent_timeouts_end_in_a_timeout_error()
    {
        _sandbox.Faults.Delay(TimeSpan.FromSeconds(2), "Patient");
        await using var host = new FhirTestHost(new TenantConfig("t", _sandbox.FhirBaseUrl)
            .Set("Resilience:AttemptTimeout", "00:00:00.200").Set("Resilience:MaxRetryAttempts", "1"));

        var ex = await Assert.ThrowsAsync<EpicFhirCallException>(() => host.Clients.ForTenant("t").ReadAsync<Patient>(SandboxPatients.OnLisinopril));
        Assert.Contains("timed out", ex.Message);
    }

    [Fact]
    public async Task The_circuit_breaker_opens_per_tenant_and_then_spares_Epic()
    {
        _sandbox.Faults.Status(503, "Patient", retryAfterSeconds: 0);
        var failing = new TenantConfig("failing", _sandbox.FhirBaseUrl)
            .Set("Resilience:BreakerMinimumThroughput", "2").Set("Resilience:BreakerFailureRatio", "0.5").Set("Resilience:BreakerBreakDuration", "00:00:30");
        var healthy = new TenantConfig("healthy", _sandbox.FhirBaseUrl)
            .Set("Resilience:BreakerMinimumThroughput", "2").Set("Resilience:BreakerFailureRatio", "0.5");
        await using var host = new FhirTestHost(failing, healthy);
        var client = host.Clients.ForTenant("failing");

        await Assert.ThrowsAsync<EpicFhirCallException>(() => client.ReadAsync<Patient>(SandboxPatients.OnLisinopril));
        var sent = Requests("Patient");
        var ex = await Assert.ThrowsAsync<EpicFhirCallException>(() => client.ReadAsync<Patient>(SandboxPatients.OnLisinopril));

        Assert.Contains("circuit breaker", ex.Message);
        Assert.Equal(sent, Requests("Patient"));

        // The other tenant's breaker is its own.
        _sandbox.Faults.Clear();
        Assert.NotNull(await host.Clients.ForTenant("healthy").ReadAsync<Patient>(SandboxPatients.OnLisinopril));

        // And both are metrics an operator can alert on.
        var metrics = host.Services.GetRequiredService<FhirMetrics>();
        Assert.Equal(CircuitState.Open, metrics.CircuitOf("failing"));
        Assert.Equal(CircuitState.Closed, metrics.CircuitOf("healthy"));
        Assert.Equal(1, host.Metrics.Sum("cds.fhir.circuit.transitions", ("tenant", "failing"), ("state", "open")));
        Assert.Equal(0, host.Metrics.Sum("cds.fhir.circuit.transitions", ("tenant", "healthy")));
    }

    [Fact]
    public async Task After_the_break_one_probe_succeeds_and_the_circuit_closes_again()
    {
        _sandbox.Faults.Status(503, "Patient", retryAfterSeconds: 0);
        await using var host = new FhirTestHost(new TenantConfig("flaky", _sandbox.FhirBaseUrl)
            .Set("Resilience:BreakerMinimumThroughput", "2").Set("Resilience:BreakerFailureRatio", "0.5")
            .Set("Resilience:BreakerBreakDuration", "00:00:02").Set("Resilience:MaxRetryAttempts", "1"));
        // (A 2 s break: the "open" reading right after the failure must not meet a break already over on a slow machine.)
        var client = host.Clients.ForTenant("flaky");
        var metrics = host.Services.GetRequiredService<FhirMetrics>();

        await Assert.ThrowsAsync<EpicFhirCallException>(() => client.ReadAsync<Patient>(SandboxPatients.OnLisinopril));
        Assert.Equal(CircuitState.Open, metrics.CircuitOf("flaky"));

        _sandbox.Faults.Clear();
        await Task.Delay(TimeSpan.FromSeconds(2.5));
        // The break is over but nobody has called yet: the gauge says "probing", not a stale "open".
        Assert.Equal(CircuitState.HalfOpen, metrics.CircuitOf("flaky"));
        Assert.NotNull(await client.ReadAsync<Patient>(SandboxPatients.OnLisinopril));

        Assert.Equal(CircuitState.Closed, metrics.CircuitOf("flaky"));
        Assert.Equal(1, host.Metrics.Sum("cds.fhir.circuit.transitions", ("tenant", "flaky"), ("state", "half_open")));
        Assert.Equal(1, host.Metrics.Sum("cds.fhir.circuit.transitions", ("tenant", "flaky"), ("state", "closed")));
    }
}
