using System.Net;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json.Nodes;
using Cds.Testing;
using Microsoft.Extensions.Options;
using Microsoft.IdentityModel.Tokens;

namespace Cds.Hooks.Tests.Security;

/// <summary>
/// CDS clients other than Epic: the CDS Hooks Sandbox signs ES384 with its published key and sends exactly what CDS Hooks
/// 2.0 requires (iss, aud, exp, iat, jti) and no <c>sub</c>. A tenant configured with <c>HookAuth:RequireSubject=false</c>
/// accepts that; an Epic-style tenant (sub = our client id) still refuses it. Tokens here are shaped from the captured
/// sandbox calls in tests/data/cds-hooks-captured/sandbox-captured (same header, same claim names, same lifetime).
/// </summary>
public sealed class SpecConformantCallerTests : IAsyncLifetime
{
    private const string SandboxIssuer = "https://sandbox.cds-hooks.org";
    private const string OurClientId = "our-client-at-sandbox-b";
    private static readonly string VectorDir = RepoSources.TestData("jwt-vectors", "cds-hooks-sandbox");
    private static readonly string Captured = RepoSources.TestData("cds-hooks-captured", "sandbox-captured", "sandbox-calls-patient-view-and-order-select.json");

    private readonly ReplaySchema _schema = new();
    private ECDsa _sandboxKey = null!;
    private HookAuthTestHost _conformant = null!;
    private HookAuthTestHost _epicStyle = null!;

    /// <summary>The Authorization header of the sandbox's captured patient-greeting call: (header, payload) JSON.</summary>
    private static (JsonObject Header, JsonObject Payload) CapturedToken()
    {
        var call = JsonNode.Parse(File.ReadAllText(Captured))!.AsArray()
            .First(c => (string?)c!["method"] == "POST" && ((string?)c["url"])!.EndsWith("/patient-greeting", StringComparison.Ordinal))!;
        var authorization = (string)call["headers"]!.AsObject().First(h => h.Key.Equals("authorization", StringComparison.OrdinalIgnoreCase)).Value!;
        Assert.StartsWith("Bearer ", authorization);
        var parts = authorization["Bearer ".Length..].Split('.');
        return (JsonNode.Parse(Base64UrlEncoder.Decode(parts[0]))!.AsObject(), JsonNode.Parse(Base64UrlEncoder.Decode(parts[1]))!.AsObject());
    }

    public async Task InitializeAsync()
    {
        _sandboxKey = ECDsa.Create();
        _sandboxKey.ImportFromPem(File.ReadAllText(Path.Combine(VectorDir, "ecprivkey.pem")));
        var jwks = Path.Combine(VectorDir, "jwks.public.json");
        var audience = (string)CapturedToken().Payload["aud"]!; // http://127.0.0.1:3000/cds-services/patient-greeting

        // A tenant for the sandbox (no sub, no client id), and one for a caller that sends no sub but whose client id we know.
        var conformant = new HookAuthSettings(_schema.Name)
            .Tenant("cds-hooks-sandbox", [SandboxIssuer], staticJwksPath: jwks, audiences: [audience], clientId: "")
            .Set("Tenants:cds-hooks-sandbox:HookAuth:RequireSubject", "false")
            .Tenant("sandbox-b", ["https://sandbox-b.example.org"], staticJwksPath: jwks, audiences: [audience], clientId: OurClientId)
            .Set("Tenants:sandbox-b:HookAuth:RequireSubject", "false");
        _conformant = await HookAuthTestHost.StartAsync(conformant.Build());

        // Epic-style: sub = our client id, required (the default).
        _epicStyle = await HookAuthTestHost.StartAsync(new HookAuthSettings(_schema.Name + "_epic")
            .Tenant("epic-style", [SandboxIssuer], staticJwksPath: jwks, audiences: [audience], clientId: "cds-hooks-sandbox").Build());
    }

    /// <summary>A token like the captured one: its header as is; its claims with a fresh iat/exp (same lifetime) and jti.</summary>
    private string SandboxShapedToken(Action<JsonObject>? tweak = null, ECDsa? key = null)
    {
        var (header, payload) = CapturedToken();
        var lifetime = (long)payload["exp"]! - (long)payload["iat"]!;
        var now = DateTimeOffset.UtcNow.ToUnixTimeSeconds();
        payload["iat"] = now;
        payload["exp"] = now + lifetime;
        payload["jti"] = Guid.NewGuid().ToString();
        tweak?.Invoke(payload);
        var input = Base64UrlEncoder.Encode(header.ToJsonString()) + "." + Base64UrlEncoder.Encode(payload.ToJsonString());
        var signature = (key ?? _sandboxKey).SignData(Encoding.ASCII.GetBytes(input), HashAlgorithmName.SHA384, DSASignatureFormat.IeeeP1363FixedFieldConcatenation);
        return input + "." + Base64UrlEncoder.Encode(signature);
    }

    private static async Task<JsonNode> CallerOf(HttpResponseMessage response)
    {
        var body = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.OK, $"{(int)response.StatusCode} {body}");
        return JsonNode.Parse(body)!;
    }

    [Fact]
    public void The_captured_sandbox_token_carries_the_claims_cds_hooks_requires_and_no_sub()
    {
        var (header, payload) = CapturedToken();
        Assert.Equal(["alg", "jku", "kid", "typ"], header.Select(kv => kv.Key).Order());
        Assert.Equal("ES384", (string?)header["alg"]);
        Assert.Equal(["aud", "exp", "iat", "iss", "jti"], payload.Select(kv => kv.Key).Order());
        Assert.Equal(SandboxIssuer, (string?)payload["iss"]);

        // The JWKS the tenants trust (tests/data/jwt-vectors/cds-hooks-sandbox/jwks.public.json) verifies the real call.
        var call = JsonNode.Parse(File.ReadAllText(Captured))!.AsArray().First(c => (string?)c!["method"] == "POST")!;
        var token = ((string)call["headers"]!.AsObject().First(h => h.Key.Equals("authorization", StringComparison.OrdinalIgnoreCase)).Value!)["Bearer ".Length..];
        var parts = token.Split('.');
        var jwk = JsonNode.Parse(File.ReadAllText(Path.Combine(VectorDir, "jwks.public.json")))!["keys"]!.AsArray()
            .Single(k => (string?)k!["kid"] == (string?)header["kid"])!;
        Assert.Equal("P-384", (string?)jwk["crv"]);
        using var publicKey = ECDsa.Create(new ECParameters
        {
            Curve = ECCurve.NamedCurves.nistP384,
            Q = new ECPoint { X = Base64UrlEncoder.DecodeBytes((string)jwk["x"]!), Y = Base64UrlEncoder.DecodeBytes((string)jwk["y"]!) },
        });
        Assert.True(publicKey.VerifyData(Encoding.ASCII.GetBytes(parts[0] + "." + parts[1]), Base64UrlEncoder.DecodeBytes(parts[2]), HashAlgorithmName.SHA384,
            DSASignatureFormat.IeeeP1363FixedFieldConcatenation), "the captured token is not signed by tests/data/jwt-vectors/cds-hooks-sandbox");
    }

    [Fact]
    public async Task A_sandbox_shaped_token_without_sub_is_accepted_by_a_tenant_that_does_not_require_one()
    {
        var caller = await CallerOf(await _conformant.CallAsync(SandboxShapedToken(), "patient-greeting"));
        Assert.Equal("cds-hooks-sandbox", (string?)caller["tenant"]);
        Assert.Null(caller["subject"]);
        Assert.True((bool?)caller["verified"]);
        Assert.Empty(_conformant.Logs.RefusalReasons);
        Assert.Empty(_conformant.Fetches.Urls); // static JWKS: its jku (https://sandbox.cds-hooks.org/...) is never fetched
    }

    [Fact]
    public async Task The_same_token_is_refused_by_an_epic_style_tenant_that_requires_sub()
    {
        var response = await _epicStyle.CallAsync(SandboxShapedToken(), "patient-greeting");
        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        Assert.Equal(["missing-sub"], _epicStyle.Logs.RefusalReasons);

        // With the client id it expects, the Epic-style tenant accepts it: only the missing sub was wrong.
        var withSub = await CallerOf(await _epicStyle.CallAsync(SandboxShapedToken(p => p["sub"] = "cds-hooks-sandbox"), "patient-greeting"));
        Assert.Equal("cds-hooks-sandbox", (string?)withSub["subject"]);
    }

    [Fact]
    public async Task Without_required_sub_a_sub_that_is_present_must_still_match_a_configured_client_id()
    {
        static Action<JsonObject> From(string? sub) => p =>
        {
            p["iss"] = "https://sandbox-b.example.org";
            if (sub is not null)
            {
                p["sub"] = sub;
            }
        };

        Assert.Equal("sandbox-b", (string?)(await CallerOf(await _conformant.CallAsync(SandboxShapedToken(From(null)), "patient-greeting")))["tenant"]);
        Assert.Equal(OurClientId, (string?)(await CallerOf(await _conformant.CallAsync(SandboxShapedToken(From(OurClientId)), "patient-greeting")))["subject"]);
        var wrong = await _conformant.CallAsync(SandboxShapedToken(From("someone-else")), "patient-greeting");
        Assert.Equal(HttpStatusCode.Unauthorized, wrong.StatusCode);
        Assert.Equal(["wrong-subject"], _conformant.Logs.RefusalReasons);
    }

    [Fact]
    public async Task A_tenant_that_does_not_require_sub_still_checks_signature_audience_expiry_jti_and_replay()
    {
        using var impostor = ECDsa.Create(ECCurve.NamedCurves.nistP384);
        var once = SandboxShapedToken();
        Assert.Equal(HttpStatusCode.OK, (await _conformant.CallAsync(once, "patient-greeting")).StatusCode);
        var refused = new[]
        {
            once, // replay
            SandboxShapedToken(key: impostor),
            SandboxShapedToken(p => p["aud"] = "http://127.0.0.1:3000/other-services/patient-greeting"),
            SandboxShapedToken(p => p["exp"] = DateTimeOffset.UtcNow.AddMinutes(-5).ToUnixTimeSeconds()),
            SandboxShapedToken(p => p.Remove("jti")),
            SandboxShapedToken(p => p.Remove("exp")),
        };
        foreach (var token in refused)
        {
            Assert.Equal(HttpStatusCode.Unauthorized, (await _conformant.CallAsync(token, "patient-greeting")).StatusCode);
        }

        Assert.Equal(["replay", "bad-signature", "wrong-audience", "expired", "missing-jti", "missing-exp"], _conformant.Logs.RefusalReasons);
    }

    [Theory]
    [InlineData("\"org-1234\"", "org-1234")]
    [InlineData("\"Saint Elsewhere Health / East\"", "Saint Elsewhere Health / East")]
    [InlineData("42", null)] // not a string: accepted, not recorded
    [InlineData("\"line\\nbreak\"", null)] // a control character: accepted, not recorded (it would forge log lines)
    public async Task The_optional_tenant_claim_is_accepted_and_passed_on_when_it_is_a_plain_string(string claimJson, string? recorded)
    {
        var caller = await CallerOf(await _conformant.CallAsync(SandboxShapedToken(p => p["tenant"] = JsonNode.Parse(claimJson)), "patient-greeting"));
        Assert.Equal("cds-hooks-sandbox", (string?)caller["tenant"]);
        Assert.Equal(recorded, (string?)caller["clientTenant"]);
    }

    [Fact]
    public async Task A_tenant_claim_is_passed_on_for_an_epic_style_tenant_too()
    {
        var caller = await CallerOf(await _epicStyle.CallAsync(SandboxShapedToken(p =>
        {
            p["sub"] = "cds-hooks-sandbox";
            p["tenant"] = "epic-org-7";
        }), "patient-greeting"));
        Assert.Equal("epic-org-7", (string?)caller["clientTenant"]);
    }

    [Fact]
    public async Task RequireSubject_is_validated_at_start_up()
    {
        // Required (the default) without a client id: refused, and the message names the switch for spec-only clients.
        var e = await Assert.ThrowsAsync<OptionsValidationException>(async () =>
        {
            await using var host = await HookAuthTestHost.StartAsync(new HookAuthSettings(_schema.Name + "_startup")
                .Tenant("no-client", [SandboxIssuer], staticJwksPath: Path.Combine(VectorDir, "jwks.public.json"), clientId: "").Build());
        });
        var message = string.Join("\n", e.Failures);
        Assert.Contains("Tenants:no-client:HookAuth:ClientId is empty", message);
        Assert.Contains("Tenants:no-client:HookAuth:RequireSubject=false", message);

        // Not a boolean: the host does not start.
        var bad = await Assert.ThrowsAnyAsync<InvalidOperationException>(async () =>
        {
            await using var host = await HookAuthTestHost.StartAsync(new HookAuthSettings(_schema.Name + "_startup")
                .Tenant("typo", [SandboxIssuer], staticJwksPath: Path.Combine(VectorDir, "jwks.public.json"))
                .Set("Tenants:typo:HookAuth:RequireSubject", "sometimes").Build());
        });
        Assert.Contains("RequireSubject", bad.ToString());
    }

    public async Task DisposeAsync()
    {
        await _conformant.DisposeAsync();
        await _epicStyle.DisposeAsync();
        await _schema.DisposeAsync();
        await using var epicSchema = new Npgsql.NpgsqlConnection(ReplaySchema.ConnectionString);
        await epicSchema.OpenAsync();
        await using var drop = new Npgsql.NpgsqlCommand($"DROP SCHEMA IF EXISTS \"{_schema.Name}_epic\" CASCADE", epicSchema);
        await drop.ExecuteNonQueryAsync();
        _sandboxKey.Dispose();
    }
}
