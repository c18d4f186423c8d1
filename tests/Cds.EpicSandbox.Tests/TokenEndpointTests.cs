using System.Net;
using System.Security.Cryptography;
using System.Text.Json.Nodes;
using Cds.Testing;
using Xunit;

namespace Cds.EpicSandbox.Tests;

public sealed class TokenEndpointTests(NoSyntheaFixture f) : IClassFixture<NoSyntheaFixture>
{
    private async Task<(HttpStatusCode Status, JsonNode Body)> RequestAsync(string assertion, string? scope = "system/Patient.read")
    {
        using var response = await f.Http.PostAsync(f.Sandbox.TokenEndpoint, ClientAssertions.TokenRequest(assertion, scope));
        return (response.StatusCode, JsonNode.Parse(await response.Content.ReadAsStringAsync())!);
    }

    private async Task AssertInvalidClient(Action<JwtOverrides>? tweak, string? clientId = null)
    {
        var (status, body) = await RequestAsync(ClientAssertions.Create(f.Sandbox.TokenEndpoint, clientId ?? SandboxClients.NonProdClientId, tweak));
        Assert.Equal(HttpStatusCode.BadRequest, status);
        Assert.Equal("invalid_client", (string?)body["error"]);
    }

    [Fact]
    public async Task RS384_and_ES384_assertions_get_a_bearer_token_with_the_configured_lifetime()
    {
        foreach (var alg in new[] { "RS384", "ES384" })
        {
            var (status, body) = await RequestAsync(ClientAssertions.Create(f.Sandbox.TokenEndpoint, tweak: o => o.Alg = alg));
            Assert.Equal(HttpStatusCode.OK, status);
            Assert.Equal("bearer", ((string?)body["token_type"])?.ToLowerInvariant());
            Assert.Equal(3600, (int)body["expires_in"]!);
            Assert.False(string.IsNullOrEmpty((string?)body["access_token"]));
        }

        f.Sandbox.Clients.Modify(SandboxClients.PlatformClientName, c => c.AccessTokenLifetime = TimeSpan.FromMinutes(5));
        try
        {
            var (_, body) = await RequestAsync(ClientAssertions.Create(f.Sandbox.TokenEndpoint));
            Assert.Equal(300, (int)body["expires_in"]!);
        }
        finally
        {
            f.Sandbox.Clients.Modify(SandboxClients.PlatformClientName, c => c.AccessTokenLifetime = null);
        }
    }

    [Fact]
    public async Task Granted_scopes_are_the_requested_ones_cut_to_the_registered_APIs()
    {
        var (status, body) = await RequestAsync(ClientAssertions.Create(f.Sandbox.TokenEndpoint),
            "system/Patient.read system/Immunization.read system/DocumentReference.cruds");
        Assert.Equal(HttpStatusCode.OK, status);
        var granted = ((string)body["scope"]!).Split(' ');
        Assert.Contains("system/Patient.read", granted);
        Assert.DoesNotContain(granted, s => s.Contains("Immunization", StringComparison.Ordinal));
        Assert.Contains("system/DocumentReference.crs", granted);

        var (none, error) = await RequestAsync(ClientAssertions.Create(f.Sandbox.TokenEndpoint), "system/Immunization.read");
        Assert.Equal(HttpStatusCode.BadRequest, none);
        Assert.Equal("invalid_scope", (string?)error["error"]);
        var (user, userError) = await RequestAsync(ClientAssertions.Create(f.Sandbox.TokenEndpoint), "user/Patient.read");
        Assert.Equal(HttpStatusCode.BadRequest, user);
        Assert.Equal("invalid_scope", (string?)userError["error"]);
    }

    [Fact]
    public async Task A_token_can_only_do_what_it_was_granted()
    {
        var (_, body) = await RequestAsync(ClientAssertions.Create(f.Sandbox.TokenEndpoint), "system/Patient.read");
        var token = (string)body["access_token"]!;
        Assert.Equal(HttpStatusCode.OK, (await f.GetAsync("Patient/" + SandboxPatients.NoData, token)).Response.StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, (await f.GetAsync($"Condition?patient={SandboxPatients.NoData}", token)).Response.StatusCode);
    }

    [Fact]
    public Task Alg_none_is_refused() => AssertInvalidClient(o => o.Alg = "none");

    [Fact]
    public Task HMAC_is_refused() => AssertInvalidClient(o => o.Alg = "HS256");

    [Fact]
    public Task RS256_is_refused() => AssertInvalidClient(o => o.Alg = "RS256");

    [Fact]
    public Task Typ_is_required() => AssertInvalidClient(o => o.Omit.Add("typ"));

    [Fact]
    public Task An_unknown_kid_is_refused() => AssertInvalidClient(o => o.Kid = "not-registered");

    [Fact]
    public Task A_key_that_is_not_registered_is_refused() => AssertInvalidClient(o => o.Key = RSA.Create(2048));

    [Fact]
    public Task A_tampered_signature_is_refused() => AssertInvalidClient(o => o.TamperSignature = true);

    [Fact]
    public Task Iss_must_equal_sub() => AssertInvalidClient(o => o.Sub = "someone-else");

    [Fact]
    public Task Aud_must_be_the_token_url_exactly() => AssertInvalidClient(o => o.Aud = f.Sandbox.TokenEndpoint + "/");

    [Fact]
    public Task Aud_must_not_be_the_fhir_base() => AssertInvalidClient(o => o.Aud = f.Sandbox.FhirBaseUrl.ToString());

    [Fact]
    public Task Exp_more_than_five_minutes_ahead_is_refused() => AssertInvalidClient(o => o.Exp = DateTimeOffset.UtcNow.AddMinutes(10));

    [Fact]
    public Task An_expired_assertion_is_refused() => AssertInvalidClient(o => o.Exp = DateTimeOffset.UtcNow.AddMinutes(-2));

    [Fact]
    public Task Jti_is_required() => AssertInvalidClient(o => o.Omit.Add("jti"));

    [Fact]
    public Task An_unknown_client_is_refused() => AssertInvalidClient(null, clientId: Guid.NewGuid().ToString());

    [Fact]
    public async Task A_jti_is_never_accepted_twice()
    {
        var assertion = ClientAssertions.Create(f.Sandbox.TokenEndpoint);
        Assert.Equal(HttpStatusCode.OK, (await RequestAsync(assertion)).Status);
        var (status, body) = await RequestAsync(assertion);
        Assert.Equal(HttpStatusCode.BadRequest, status);
        Assert.Equal("invalid_client", (string?)body["error"]);
        Assert.Contains("jti", (string?)body["error_description"]);
    }

    [Fact]
    public async Task The_production_id_is_invalid_client_in_a_nonproduction_sandbox_with_a_hint()
    {
        var (status, body) = await RequestAsync(ClientAssertions.Create(f.Sandbox.TokenEndpoint, SandboxClients.ProdClientId));
        Assert.Equal(HttpStatusCode.BadRequest, status);
        Assert.Equal("invalid_client", (string?)body["error"]);
        Assert.Contains("other environment", (string?)body["error_description"]);
    }

    [Fact]
    public async Task A_production_sandbox_accepts_only_the_production_id()
    {
        await using var prod = await EpicSandboxServer.StartAsync(new SandboxSettings { Environment = SandboxEnvironment.Production, SeedSynthea = false });
        using var ok = await f.Http.PostAsync(prod.TokenEndpoint, ClientAssertions.TokenRequest(ClientAssertions.Create(prod.TokenEndpoint, SandboxClients.ProdClientId)));
        Assert.Equal(HttpStatusCode.OK, ok.StatusCode);
        using var wrong = await f.Http.PostAsync(prod.TokenEndpoint, ClientAssertions.TokenRequest(ClientAssertions.Create(prod.TokenEndpoint, SandboxClients.NonProdClientId)));
        Assert.Equal(HttpStatusCode.BadRequest, wrong.StatusCode);
        Assert.Contains("invalid_client", await wrong.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task A_jku_must_be_a_registered_JWK_Set_URL_and_is_then_fetched()
    {
        var jku = f.Sandbox.BackendClientJwksUrl.ToString();
        await AssertInvalidClient(o => o.Jku = jku); // not registered yet

        f.Sandbox.Clients.Modify(SandboxClients.PlatformClientName, c => c.JwksUrls.Add(f.Sandbox.BackendClientJwksUrl));
        try
        {
            var (status, _) = await RequestAsync(ClientAssertions.Create(f.Sandbox.TokenEndpoint, tweak: o => o.Jku = jku));
            Assert.Equal(HttpStatusCode.OK, status);
            await AssertInvalidClient(o => o.Jku = "http://127.0.0.1:9/elsewhere.jwks");
        }
        finally
        {
            f.Sandbox.Clients.Modify(SandboxClients.PlatformClientName, c => c.JwksUrls.Clear());
        }
    }

    [Fact]
    public async Task Malformed_requests_get_the_oauth_errors()
    {
        using var json = await f.Http.PostAsync(f.Sandbox.TokenEndpoint, new StringContent("{}", System.Text.Encoding.UTF8, "application/json"));
        Assert.Equal(HttpStatusCode.BadRequest, json.StatusCode);
        Assert.Contains("invalid_request", await json.Content.ReadAsStringAsync());

        using var password = await f.Http.PostAsync(f.Sandbox.TokenEndpoint, new FormUrlEncodedContent([new("grant_type", "password")]));
        Assert.Contains("unsupported_grant_type", await password.Content.ReadAsStringAsync());

        var (status, body) = await RequestAsync("not.a.jwt");
        Assert.Equal(HttpStatusCode.BadRequest, status);
        Assert.Equal("invalid_client", (string?)body["error"]);
    }

    [Fact]
    public async Task Token_requests_are_recorded_without_secrets()
    {
        var assertion = ClientAssertions.Create(f.Sandbox.TokenEndpoint);
        var (_, body) = await RequestAsync(assertion);
        var record = f.Sandbox.State.TokenRequests.Last(r => r.Status == 200);
        Assert.Equal(SandboxClients.NonProdClientId, record.ClientId);
        Assert.Equal("RS384", record.Algorithm);
        var all = System.Text.Json.JsonSerializer.Serialize(f.Sandbox.State.TokenRequests);
        Assert.DoesNotContain(assertion, all);
        Assert.DoesNotContain((string)body["access_token"]!, all);
    }
}
