using Cds.EpicSandbox;
using Cds.Testing;
using Hl7.Fhir.Model;
using Xunit;
using Task = System.Threading.Tasks.Task;

namespace Cds.Fhir.Tests;

/// <summary>SMART Backend Services against the sandbox over real HTTP: discovery, assertion, cache, 401, invalid_client.</summary>
public sealed class TokenFlowTests : IClassFixture<SandboxFixture>
{
    private readonly EpicSandboxServer _sandbox;

    public TokenFlowTests(SandboxFixture fixture)
    {
        _sandbox = fixture.Sandbox;
        _sandbox.Reset();
    }

    [Fact]
    public async Task Token_is_obtained_with_a_valid_assertion_and_reused_from_the_cache()
    {
        await using var host = new FhirTestHost(new TenantConfig("t", _sandbox.FhirBaseUrl));
        var first = await host.Tokens.GetTokenAsync("t", CancellationToken.None);
        var second = await host.Tokens.GetTokenAsync("t", CancellationToken.None);

        Assert.Same(first, second);
        var request = Assert.Single(_sandbox.State.TokenRequests);
        Assert.Equal(200, request.Status);
        Assert.Equal(SandboxClients.NonProdClientId, request.ClientId);
        Assert.Equal("RS384", request.Algorithm);
        Assert.Contains("system/Observation.rs", request.GrantedScope);
        Assert.True(first.ExpiresAt > DateTimeOffset.UtcNow.AddMinutes(50));
        Assert.DoesNotContain(first.Value, first.ToString());
        Assert.Equal(1, host.Metrics.Sum("cds.fhir.token.refreshes", ("tenant", "t")));
    }

    [Fact]
    public async Task Concurrent_first_callers_share_one_token_request()
    {
        await using var host = new FhirTestHost(new TenantConfig("t", _sandbox.FhirBaseUrl));
        var tokens = await Task.WhenAll(Enumerable.Range(0, 32).Select(_ => Task.Run(() => host.Tokens.GetTokenAsync("t", CancellationToken.None))));
        Assert.Single(tokens.Select(t => t.Value).Distinct());
        Assert.Single(_sandbox.State.TokenRequests);
    }

    [Fact]
    public async Task A_401_forces_one_refresh_and_one_retry()
    {
        await using var host = new FhirTestHost(new TenantConfig("t", _sandbox.FhirBaseUrl));
        var client = host.Clients.ForTenant("t");
        Assert.NotNull(await client.ReadAsync<Patient>(SandboxPatients.CkdOnMetformin));
        _sandbox.ExpireAllAccessTokens();

        var patient = await client.ReadAsync<Patient>(SandboxPatients.CkdOnMetformin);

        Assert.NotNull(patient);
        Assert.Equal(2, _sandbox.State.TokenRequests.Count(r => r.Status == 200));
        var reads = _sandbox.State.FhirRequests.Where(r => r.ResourceType == "Patient").Select(r => r.Status).ToList();
        Assert.Equal([200, 401, 200], reads);
        Assert.Equal(1, host.Metrics.Sum("cds.fhir.unauthorized.retries", ("tenant", "t")));
    }

    [Fact]
    public async Task A_second_401_is_not_retried_again()
    {
        await using var host = new FhirTestHost(new TenantConfig("t", _sandbox.FhirBaseUrl));
        _sandbox.Faults.Status(401, "Patient");

        var ex = await Assert.ThrowsAsync<EpicUnauthorizedException>(() => host.Clients.ForTenant("t").ReadAsync<Patient>(SandboxPatients.CkdOnMetformin));

        Assert.Equal("Patient", ex.Resource);
        Assert.Equal(FhirInteraction.Read, ex.Interaction);
        Assert.Equal(2, _sandbox.State.FhirRequests.Count(r => r.ResourceType == "Patient"));
        Assert.Equal(2, _sandbox.State.TokenRequests.Count);
    }

    [Fact]
    public async Task Prod_client_id_against_a_non_production_Epic_is_invalid_client_with_the_hint()
    {
        await using var host = new FhirTestHost(new TenantConfig("acme", _sandbox.FhirBaseUrl, "Production"));

        var ex = await Assert.ThrowsAsync<EpicInvalidClientException>(() => host.Clients.ForTenant("acme").ReadAsync<Patient>(SandboxPatients.NoData));

        Assert.Equal(SandboxClients.ProdClientId, ex.ClientId);
        Assert.Contains("tenant 'acme'", ex.Message);
        Assert.Contains($"client id '{SandboxClients.ProdClientId}'", ex.Message);
        Assert.Contains("PROD id, environment Production", ex.Message);
        Assert.Contains("Epic refuses NONPROD ids in production", ex.Message);
        Assert.Equal(1, host.Metrics.Sum("cds.fhir.invalid_client", ("tenant", "acme"), ("environment", "Production")));
        Assert.DoesNotContain(_sandbox.State.FhirRequests, r => r.ResourceType == "Patient");
    }

    [Fact]
    public async Task Nonprod_client_id_against_a_production_Epic_is_invalid_client_with_the_hint()
    {
        await using var production = await EpicSandboxServer.StartAsync(new SandboxSettings { Environment = SandboxEnvironment.Production, SeedSynthea = false });
        await using var host = new FhirTestHost(new TenantConfig("acme", production.FhirBaseUrl));

        var ex = await Assert.ThrowsAsync<EpicInvalidClientException>(() => host.Tokens.GetTokenAsync("acme", CancellationToken.None));

        Assert.Equal(SandboxClients.NonProdClientId, ex.ClientId);
        Assert.Contains("NONPROD id, environment NonProduction", ex.Message);
        Assert.Contains("Non-Production Client ID", ex.Message);

        // The same tenant switched to Production works against it.
        await using var fixedHost = new FhirTestHost(new TenantConfig("acme", production.FhirBaseUrl, "Production"));
        Assert.NotNull(await fixedHost.Clients.ForTenant("acme").ReadAsync<Patient>(SandboxPatients.NoData));
    }

    [Fact]
    public async Task Wrong_kid_is_reported_as_invalid_client_naming_the_kid()
    {
        await using var host = new FhirTestHost(new TenantConfig("t", _sandbox.FhirBaseUrl).Set("Backend:KeyId", "not-registered-kid"));
        var ex = await Assert.ThrowsAsync<EpicInvalidClientException>(() => host.Tokens.GetTokenAsync("t", CancellationToken.None));
        Assert.Contains("kid 'not-registered-kid'", ex.Message);
    }

    [Fact]
    public async Task Jku_is_sent_when_configured_and_must_be_the_registered_one()
    {
        var jku = _sandbox.BackendClientJwksUrl;
        _sandbox.Clients.Modify(SandboxClients.PlatformClientName, c =>
        {
            if (!c.JwksUrls.Contains(jku))
            {
                c.JwksUrls.Add(jku);
            }
        });
        await using (var host = new FhirTestHost(new TenantConfig("t", _sandbox.FhirBaseUrl).Set("Backend:Jku", jku.ToString())))
        {
            Assert.NotNull(await host.Tokens.GetTokenAsync("t", CancellationToken.None));
        }

        await using (var host = new FhirTestHost(new TenantConfig("t", _sandbox.FhirBaseUrl).Set("Backend:Jku", new Uri(_sandbox.BaseUrl, "elsewhere/jwks.json").ToString())))
        {
            var ex = await Assert.ThrowsAsync<EpicInvalidClientException>(() => host.Tokens.GetTokenAsync("t", CancellationToken.None));
            Assert.Contains("jku", ex.Message);
        }
    }

    [Fact]
    public async Task Token_endpoint_503_is_retried_with_a_new_assertion()
    {
        var rule = _sandbox.Faults.Status(503, "token", times: 1, retryAfterSeconds: 0);
        await using var host = new FhirTestHost(new TenantConfig("t", _sandbox.FhirBaseUrl));
        Assert.NotNull(await host.Tokens.GetTokenAsync("t", CancellationToken.None));
        Assert.Equal(1, rule.Fired);
        Assert.Single(_sandbox.State.TokenRequests, r => r.Status == 200);
    }

    [Fact]
    public async Task Scope_error_from_the_token_endpoint_names_the_requested_scopes()
    {
        await using var host = new FhirTestHost(new TenantConfig("t", _sandbox.FhirBaseUrl).Scopes("system/Immunization.rs"));
        var ex = await Assert.ThrowsAsync<EpicTokenRequestException>(() => host.Tokens.GetTokenAsync("t", CancellationToken.None));
        Assert.Equal("invalid_scope", ex.Error);
        Assert.Contains("system/Immunization.rs", ex.Message);
    }
}
