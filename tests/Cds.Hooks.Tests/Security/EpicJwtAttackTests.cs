using System.Diagnostics.Metrics;
using System.Net;
using System.Text;
using System.Text.Json.Nodes;
using Cds.Hooks.Security;
using Microsoft.IdentityModel.Tokens;

namespace Cds.Hooks.Tests.Security;

/// <summary>The attack suite and the accepted shapes, over real HTTP against a host using AddEpicJwtAuthentication.</summary>
public sealed class EpicJwtAttackTests(EpicOrgFixture org) : IClassFixture<EpicOrgFixture>
{
    private static async Task AssertAcceptedAsync(HttpResponseMessage response, string? jti = null)
    {
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var caller = JsonNode.Parse(await response.Content.ReadAsStringAsync())!;
        Assert.Equal(EpicOrgFixture.Tenant, (string?)caller["tenant"]);
        Assert.Equal(HookAuthSettings.ClientId, (string?)caller["subject"]);
        Assert.True((bool?)caller["verified"]);
        if (jti is not null)
        {
            Assert.Equal(jti, (string?)caller["jti"]);
        }
    }

    /// <summary>401, WWW-Authenticate: Bearer, an OperationOutcome that does not say which check failed, the reason logged, the token text never logged.</summary>
    private async Task AssertRefusedAsync(HttpResponseMessage response, string token, string reason)
    {
        await Refusals.AssertUnauthorizedAsync(response, reason);
        Assert.Contains(reason, org.Host.Logs.RefusalReasons);
        var logs = org.Host.Logs.AllText;
        foreach (var part in token.Split('.').Where(p => p.Length > 8))
        {
            Assert.DoesNotContain(part, logs);
        }
    }

    [Theory]
    [InlineData("RS384")]
    [InlineData("ES384")]
    [InlineData("RS256")]
    [InlineData("ES256")]
    public async Task Accepts_each_allowed_algorithm(string alg)
    {
        var token = org.Token(alg);
        await AssertAcceptedAsync(await org.Host.CallAsync(token.SignWith(org.KeyFor(alg))), token.Jti);
    }

    [Fact]
    public async Task Accepts_a_15_minute_token_issued_10_minutes_ago()
    {
        // Epic: exp = iat + 900, nbf = iat - 300. A 5-minute lifetime cap would refuse this token.
        var token = org.Token() with { Iat = DateTimeOffset.UtcNow.AddMinutes(-10) };
        await AssertAcceptedAsync(await org.Host.CallAsync(token.SignWith(org.Rs384)));
    }

    [Fact]
    public async Task Accepts_exp_just_past_within_the_60s_skew_and_refuses_beyond_it()
    {
        var inSkew = org.Token() with { Iat = DateTimeOffset.UtcNow.AddSeconds(-930) }; // expired 30 s ago
        await AssertAcceptedAsync(await org.Host.CallAsync(inSkew.SignWith(org.Rs384)));

        var expired = org.Token() with { Iat = DateTimeOffset.UtcNow.AddSeconds(-1000) }; // expired 100 s ago
        var signed = expired.SignWith(org.Rs384);
        await AssertRefusedAsync(await org.Host.CallAsync(signed), signed, "expired");
    }

    [Fact]
    public async Task Kid_with_plus_and_equals_is_matched_exactly()
    {
        Assert.Contains('+', org.Rs384.Kid);
        Assert.EndsWith("=", org.Rs384.Kid);
        await AssertAcceptedAsync(await org.Host.CallAsync(org.Token().SignWith(org.Rs384)));

        // The same kid in base64url form, or without its padding, is another kid.
        foreach (var variant in new[] { org.Rs384.Kid.Replace('+', '-').Replace('/', '_'), org.Rs384.Kid.TrimEnd('=') })
        {
            var signed = (org.Token() with { Kid = variant }).SignWith(org.Rs384);
            await AssertRefusedAsync(await org.Host.CallAsync(signed), signed, "unknown-kid");
        }
    }

    [Theory]
    [InlineData("base")]
    [InlineData("base/")]
    [InlineData("service")]
    [InlineData("service/")]
    [InlineData("array")]
    public async Task Accepts_the_service_url_and_the_base_url_as_aud(string form)
    {
        JsonNode aud = form switch
        {
            "base" => HookAuthSettings.Audience,
            "base/" => HookAuthSettings.Audience + "/",
            "service" => HookAuthSettings.Audience + "/order-select",
            "service/" => HookAuthSettings.Audience + "/order-select/",
            _ => new JsonArray("https://elsewhere.example.org/x", HookAuthSettings.Audience + "/order-select"),
        };
        await AssertAcceptedAsync(await org.Host.CallAsync((org.Token() with { Aud = aud }).SignWith(org.Rs384)));
    }

    [Fact]
    public async Task Feedback_call_accepts_the_service_url_aud()
    {
        var signed = org.Token().SignWith(org.Rs384);
        var response = await org.Host.CallAsync(signed, "order-select/feedback");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(EpicOrgFixture.Tenant, (string?)JsonNode.Parse(await response.Content.ReadAsStringAsync())!["tenant"]);
    }

    [Theory]
    [InlineData("https://attacker.example.org/cds-services")]
    [InlineData("https://cds.example.org/cds-services-evil")]
    [InlineData("https://cds.example.org/cds-services/patient-view")] // another service's URL
    [InlineData("https://cds.example.org/cds-services/order-select/extra")]
    [InlineData("https://cds.example.org/cds-services/cds-services")] // a segment of the path, but not the service id
    [InlineData("https://cds.example.org/cds-services/order-select?x=1")]
    public async Task Refuses_a_wrong_aud(string aud)
    {
        var signed = (org.Token() with { Aud = aud }).SignWith(org.Rs384);
        await AssertRefusedAsync(await org.Host.CallAsync(signed), signed, "wrong-audience");
    }

    [Fact]
    public async Task Refuses_a_token_without_aud()
    {
        var signed = (org.Token() with { Aud = null }).SignWith(org.Rs384);
        await AssertRefusedAsync(await org.Host.CallAsync(signed), signed, "wrong-audience");
    }

    [Fact]
    public async Task Refuses_alg_none()
    {
        foreach (var alg in new[] { "none", "None", "NONE" })
        {
            var unsigned = (org.Token() with { Alg = alg }).Unsigned();
            await AssertRefusedAsync(await org.Host.CallAsync(unsigned), unsigned, "alg-not-allowed");
        }
    }

    [Fact]
    public async Task Refuses_HS256_signed_with_the_public_key()
    {
        // The classic confusion: the public key (as PEM text, as DER, as the JWK n) used as an HMAC secret.
        var rsa = (System.Security.Cryptography.RSA)org.Rs384.Key;
        var secrets = new[]
        {
            Encoding.ASCII.GetBytes(rsa.ExportSubjectPublicKeyInfoPem()),
            rsa.ExportSubjectPublicKeyInfo(),
            Encoding.ASCII.GetBytes(org.Rs384.PublicJwk().ToJsonString()),
        };
        foreach (var secret in secrets)
        {
            var signed = (org.Token() with { Alg = "HS256" }).SignHs256(secret);
            await AssertRefusedAsync(await org.Host.CallAsync(signed), signed, "alg-not-allowed");
        }

        var hs384 = (org.Token() with { Alg = "HS384" }).SignHs256(secrets[0]);
        await AssertRefusedAsync(await org.Host.CallAsync(hs384), hs384, "alg-not-allowed");
    }

    [Fact]
    public async Task Refuses_an_expired_token()
    {
        var signed = (org.Token() with { Iat = DateTimeOffset.UtcNow.AddMinutes(-20) }).SignWith(org.Rs384);
        await AssertRefusedAsync(await org.Host.CallAsync(signed), signed, "expired");
    }

    [Fact]
    public async Task Refuses_a_token_without_exp()
    {
        var signed = (org.Token() with { Lifetime = null }).SignWith(org.Rs384);
        await AssertRefusedAsync(await org.Host.CallAsync(signed), signed, "missing-exp");
    }

    [Fact]
    public async Task Refuses_a_future_nbf()
    {
        // nbf 5 minutes ahead (beyond the 60 s skew).
        var signed = (org.Token() with { Iat = DateTimeOffset.UtcNow.AddMinutes(10) }).SignWith(org.Rs384);
        await AssertRefusedAsync(await org.Host.CallAsync(signed), signed, "not-yet-valid");
    }

    [Fact]
    public async Task Refuses_an_unknown_issuer_without_fetching_its_jku()
    {
        var attackerJku = org.Attacker.Url(EpicOrgFixture.JwksPath);
        var signed = (org.Token() with { Iss = org.Attacker.Url("/interconnect-fhir-oauth/api/FHIR/R4/"), Jku = attackerJku }).SignWith(org.Rs384);
        await AssertRefusedAsync(await org.Host.CallAsync(signed), signed, "unknown-issuer");
        Assert.Empty(org.Attacker.Requests);
        Assert.DoesNotContain(attackerJku, org.Host.Fetches.Urls);
    }

    [Fact]
    public async Task Never_fetches_a_jku_off_the_allowlist()
    {
        // Right issuer, attacker's jku (the attacker even serves the org's public keys there — nothing must be fetched).
        var offList = new[]
        {
            org.Attacker.Url(EpicOrgFixture.JwksPath),
            org.Jku + "?x=1",
            org.Jku + "/",
            org.Jku.Replace("530005", "530006", StringComparison.Ordinal),
            org.Jku.ToUpperInvariant(),
            "http://169.254.169.254/latest/meta-data/",
        };
        var orgRequestsBefore = org.Org.Requests.Count(r => r != EpicOrgFixture.JwksPath);
        foreach (var jku in offList)
        {
            var signed = (org.Token() with { Jku = jku }).SignWith(org.Rs384);
            await AssertRefusedAsync(await org.Host.CallAsync(signed), signed, "jku-not-allowed");
            Assert.DoesNotContain(jku, org.Host.Fetches.Urls);
        }

        Assert.Empty(org.Attacker.Requests);
        Assert.Equal(orgRequestsBefore, org.Org.Requests.Count(r => r != EpicOrgFixture.JwksPath));
        Assert.All(org.Host.Fetches.Urls, u => Assert.Equal(org.Jku, u));
    }

    [Fact]
    public async Task Refuses_a_token_without_jku_for_a_jku_only_tenant()
    {
        var signed = (org.Token() with { Jku = null }).SignWith(org.Rs384);
        await AssertRefusedAsync(await org.Host.CallAsync(signed), signed, "jku-missing");
    }

    [Fact]
    public async Task Refuses_an_unknown_kid()
    {
        using var stranger = TestKey.Create("RS384");
        var signed = (org.Token() with { Kid = stranger.Kid }).SignWith(stranger);
        await AssertRefusedAsync(await org.Host.CallAsync(signed), signed, "unknown-kid");
    }

    [Fact]
    public async Task Refuses_a_known_kid_signed_by_another_key()
    {
        using var stranger = TestKey.Create("RS384");
        var signed = org.Token().SignWith(stranger);
        await AssertRefusedAsync(await org.Host.CallAsync(signed), signed, "bad-signature");
    }

    [Fact]
    public async Task Refuses_a_tampered_payload_or_signature()
    {
        var signed = org.Token().SignWith(org.Rs384);
        var parts = signed.Split('.');

        // Payload changed after signing (another sub), signature kept.
        var payload = JsonNode.Parse(Base64UrlEncoder.Decode(parts[1]))!;
        payload["sub"] = "someone-else";
        var tamperedPayload = $"{parts[0]}.{HookToken.B64(payload.ToJsonString())}.{parts[2]}";
        await AssertRefusedAsync(await org.Host.CallAsync(tamperedPayload), tamperedPayload, "bad-signature");

        // One signature byte flipped.
        var sig = Base64UrlEncoder.DecodeBytes(parts[2]);
        sig[10] ^= 0x01;
        var tamperedSig = $"{parts[0]}.{parts[1]}.{Base64UrlEncoder.Encode(sig)}";
        await AssertRefusedAsync(await org.Host.CallAsync(tamperedSig), tamperedSig, "bad-signature");

        // The untouched token is still good (the refusals above did not burn its jti).
        await AssertAcceptedAsync(await org.Host.CallAsync(signed));
    }

    [Fact]
    public async Task Refuses_an_RS384_header_on_an_ES384_key_and_vice_versa()
    {
        var rsOnEc = (org.Token("ES384") with { Alg = "RS384" }).SignWith(org.Es384);
        await AssertRefusedAsync(await org.Host.CallAsync(rsOnEc), rsOnEc, "key-alg-mismatch");
        var es256OnEs384 = (org.Token("ES384") with { Alg = "ES256" }).SignWith(org.Es384);
        await AssertRefusedAsync(await org.Host.CallAsync(es256OnEs384), es256OnEs384, "key-alg-mismatch");
    }

    [Fact]
    public async Task Ignores_a_key_embedded_in_the_header()
    {
        // jwk / x5u / x5c headers carrying the attacker's own key must not be trusted: only the tenant's JWKS counts.
        using var attacker = TestKey.Create("RS384", org.Rs384.Kid);
        var token = org.Token();
        var header = token.Header();
        header["jwk"] = attacker.PublicJwk();
        header["x5u"] = org.Attacker.Url("/cert.pem");
        var signed = Cds.EpicSandbox.JwtComposer.Compose(header, token.Payload(), attacker.Alg, attacker.Key);
        await AssertRefusedAsync(await org.Host.CallAsync(signed), signed, "bad-signature");
        Assert.Empty(org.Attacker.Requests);
    }

    [Fact]
    public async Task Refuses_a_wrong_sub()
    {
        var signed = (org.Token() with { Sub = "another-client" }).SignWith(org.Rs384);
        await AssertRefusedAsync(await org.Host.CallAsync(signed), signed, "wrong-subject");
    }

    [Fact]
    public async Task Refuses_a_token_without_jti()
    {
        var signed = (org.Token() with { Jti = null }).SignWith(org.Rs384);
        await AssertRefusedAsync(await org.Host.CallAsync(signed), signed, "missing-jti");
    }

    [Fact]
    public async Task Refuses_a_replayed_jti_and_records_it_until_exp_plus_skew()
    {
        var token = org.Token();
        var signed = token.SignWith(org.Rs384);
        await AssertAcceptedAsync(await org.Host.CallAsync(signed));
        await AssertRefusedAsync(await org.Host.CallAsync(signed), signed, "replay");

        // A new token re-using the jti (freshly signed, other iat) is a replay too.
        var again = (token with { Iat = DateTimeOffset.UtcNow.AddSeconds(1) }).SignWith(org.Rs384);
        await AssertRefusedAsync(await org.Host.CallAsync(again), again, "replay");

        var expiry = await org.Schema.ExpiryOfAsync(EpicOrgFixture.Tenant, token.Jti!);
        Assert.NotNull(expiry);
        var expected = token.Iat.AddSeconds(900 + 60);
        Assert.InRange(expiry!.Value, expected.AddSeconds(-1), expected.AddSeconds(1));
    }

    [Fact]
    public async Task Refuses_missing_or_malformed_tokens_with_a_401_that_discloses_nothing()
    {
        var none = await org.Host.CallAsync(null);
        await Refusals.AssertUnauthorizedAsync(none, "missing-token");
        Assert.Contains("missing-token", org.Host.Logs.RefusalReasons);

        foreach (var junk in new[] { "not-a-jwt", "a.b.c", "eyJhbGciOiJSUzM4NCJ9.e30", new string('a', 20_000) })
        {
            await AssertRefusedAsync(await org.Host.CallAsync(junk), junk, "malformed");
        }
    }

    [Fact]
    public async Task Anonymous_endpoints_still_work_without_a_token()
    {
        var response = await org.Host.Client.GetAsync("cds-services");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
    }

    [Fact]
    public async Task Failures_are_counted_by_reason_and_tenant()
    {
        var measurements = new List<(long Value, Dictionary<string, object?> Tags)>();
        using var listener = new MeterListener();
        listener.InstrumentPublished = (instrument, l) =>
        {
            if (instrument.Meter.Name == EpicJwtDefaults.MeterName && instrument.Name == EpicJwtDefaults.FailureCounterName)
            {
                l.EnableMeasurementEvents(instrument);
            }
        };
        listener.SetMeasurementEventCallback<long>((_, value, tags, _) =>
        {
            lock (measurements)
            {
                measurements.Add((value, tags.ToArray().ToDictionary(t => t.Key, t => t.Value)));
            }
        });
        listener.Start();

        var wrongSub = (org.Token() with { Sub = "metric-" + Guid.NewGuid() }).SignWith(org.Rs384);
        Assert.Equal(HttpStatusCode.Unauthorized, (await org.Host.CallAsync(wrongSub)).StatusCode);
        var unknownIss = (org.Token() with { Iss = "https://unknown.example.org/fhir" }).SignWith(org.Rs384);
        Assert.Equal(HttpStatusCode.Unauthorized, (await org.Host.CallAsync(unknownIss)).StatusCode);

        lock (measurements)
        {
            Assert.Contains(measurements, m => (string?)m.Tags["reason"] == "wrong-subject" && m.Tags.TryGetValue("tenant", out var t) && (string?)t == EpicOrgFixture.Tenant);
            Assert.Contains(measurements, m => (string?)m.Tags["reason"] == "unknown-issuer" && !m.Tags.ContainsKey("tenant"));
        }
    }
}
