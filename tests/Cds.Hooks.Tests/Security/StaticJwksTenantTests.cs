using System.Net;
using System.Text.Json.Nodes;
using Cds.Testing;

namespace Cds.Hooks.Tests.Security;

/// <summary>
/// Tenants keyed by a static JWKS instead of a jku allowlist: the public CDS Hooks sandbox signs ES384 with the key in
/// tests/data/jwt-vectors/cds-hooks-sandbox/ (kid 44823f3d-...).
/// </summary>
public sealed class StaticJwksTenantTests : IAsyncLifetime
{
    private const string SandboxIssuer = "https://sandbox.cds-hooks.org";
    private const string SandboxKid = "44823f3d-0b01-4a6c-a80e-b9d3e8a7226f";
    private static readonly string VectorDir = RepoSources.TestData("jwt-vectors", "cds-hooks-sandbox");
    private readonly ReplaySchema _schema = new();
    private TestKey _sandboxKey = null!;
    private HookAuthTestHost _host = null!;
    private JwksHost _elsewhere = null!;

    public async Task InitializeAsync()
    {
        _sandboxKey = TestKey.FromPem(Path.Combine(VectorDir, "ecprivkey.pem"), "ES384", SandboxKid);
        _elsewhere = await JwksHost.StartAsync();
        _elsewhere.Publish("/.well-known/jwks.json", TestKey.Jwks(_sandboxKey));

        // Inline: the same public JWK given as a JSON object in configuration (flattened like appsettings.json would be).
        var jwk = JsonNode.Parse(File.ReadAllText(Path.Combine(VectorDir, "jwks.public.json")))!["keys"]![0]!.AsObject();
        var settings = new HookAuthSettings(_schema.Name)
            .Tenant("cds-sandbox", [SandboxIssuer], staticJwksPath: Path.Combine(VectorDir, "jwks.public.json"),
                audiences: ["http://localhost:5080/cds-services"], clientId: "cds-hooks-sandbox")
            .Tenant("inline", ["https://inline.example.org/fhir/"], audiences: ["http://localhost:5080/cds-services"], clientId: "inline-client");
        foreach (var (name, value) in jwk)
        {
            settings.Set($"Tenants:inline:HookAuth:StaticJwks:keys:0:{name}", (string?)value);
        }

        _host = await HookAuthTestHost.StartAsync(settings.Build());
    }

    private HookToken SandboxToken() => new()
    {
        Alg = "ES384", Kid = SandboxKid, Jku = _elsewhere.Url("/.well-known/jwks.json"), Iss = SandboxIssuer, Sub = "cds-hooks-sandbox",
        Aud = "http://localhost:5080/cds-services/order-select",
    };

    [Fact]
    public async Task The_cds_hooks_sandbox_es384_token_is_accepted_from_the_static_jwks_file_without_any_fetch()
    {
        var response = await _host.CallAsync(SandboxToken().SignWith(_sandboxKey));
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("cds-sandbox", (string?)JsonNode.Parse(await response.Content.ReadAsStringAsync())!["tenant"]);

        // Its jku header points somewhere: a static-JWKS tenant never fetches it.
        Assert.Empty(_elsewhere.Requests);
        Assert.Empty(_host.Fetches.Urls);
    }

    [Fact]
    public async Task The_static_tenant_refuses_the_same_kid_signed_by_another_key()
    {
        using var impostor = TestKey.Create("ES384", SandboxKid);
        var response = await _host.CallAsync(SandboxToken().SignWith(impostor));
        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        Assert.Equal(["bad-signature"], _host.Logs.RefusalReasons);
    }

    [Fact]
    public async Task The_static_tenant_still_checks_replay_aud_and_sub()
    {
        var signed = SandboxToken().SignWith(_sandboxKey);
        Assert.Equal(HttpStatusCode.OK, (await _host.CallAsync(signed)).StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, (await _host.CallAsync(signed)).StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, (await _host.CallAsync((SandboxToken() with { Aud = "http://localhost:9999/cds-services" }).SignWith(_sandboxKey))).StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, (await _host.CallAsync((SandboxToken() with { Sub = "someone" }).SignWith(_sandboxKey))).StatusCode);
        Assert.Equal(["replay", "wrong-audience", "wrong-subject"], _host.Logs.RefusalReasons);
    }

    [Fact]
    public async Task An_inline_static_jwks_from_configuration_works_without_a_jku()
    {
        var token = SandboxToken() with { Iss = "https://inline.example.org/fhir", Jku = null, Sub = "inline-client" };
        var response = await _host.CallAsync(token.SignWith(_sandboxKey));
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("inline", (string?)JsonNode.Parse(await response.Content.ReadAsStringAsync())!["tenant"]);
    }

    public async Task DisposeAsync()
    {
        await _host.DisposeAsync();
        await _elsewhere.DisposeAsync();
        await _schema.DisposeAsync();
        _sandboxKey.Dispose();
    }
}
