using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Cds.Fhir.Auth;
using Cds.Testing;
using Xunit;

namespace Cds.Fhir.Tests;

public sealed class ClientAssertionTests
{
    private static readonly string VectorDir = RepoSources.TestData("jwt-vectors", "smart-ig");

    [Fact]
    public void Reproduces_the_SMART_IG_RS384_example_assertion_byte_for_byte()
    {
        var example = JsonNode.Parse(File.ReadAllText(Path.Combine(VectorDir, "example-assertions.json")))!.AsArray()
            .Single(e => e!["header"]!["alg"]!.GetValue<string>() == "RS384")!;
        var payload = example["payload"]!;
        using var key = LoadPrivateJwk(Path.Combine(VectorDir, "RS384.private.json"), example["header"]!["kid"]!.GetValue<string>());

        var jwt = ClientAssertion.Create(
            key,
            clientId: payload["iss"]!.GetValue<string>(),
            audience: payload["aud"]!.GetValue<string>(),
            keyId: example["header"]!["kid"]!.GetValue<string>(),
            jku: null,
            expiresAt: DateTimeOffset.FromUnixTimeSeconds(payload["exp"]!.GetValue<long>()),
            jti: payload["jti"]!.GetValue<string>());

        Assert.Equal(example["jwt"]!.GetValue<string>(), jwt);
    }

    [Fact]
    public void Fresh_assertions_have_required_claims_a_new_jti_and_exp_within_five_minutes()
    {
        using var key = RSA.Create(2048);
        var clock = TimeProvider.System;
        var before = DateTimeOffset.UtcNow;
        var a = ClientAssertion.CreateFresh(key, "client-1", "https://epic.example/oauth2/token", "kid-1", "https://app.example/jwks.json", TimeSpan.FromMinutes(5), clock);
        var b = ClientAssertion.CreateFresh(key, "client-1", "https://epic.example/oauth2/token", "kid-1", null, TimeSpan.FromMinutes(4), clock);

        var (headerA, payloadA) = Decode(a);
        var (headerB, payloadB) = Decode(b);
        Assert.Equal("RS384", headerA.GetProperty("alg").GetString());
        Assert.Equal("JWT", headerA.GetProperty("typ").GetString());
        Assert.Equal("kid-1", headerA.GetProperty("kid").GetString());
        Assert.Equal("https://app.example/jwks.json", headerA.GetProperty("jku").GetString());
        Assert.False(headerB.TryGetProperty("jku", out _));
        Assert.Equal("client-1", payloadA.GetProperty("iss").GetString());
        Assert.Equal("client-1", payloadA.GetProperty("sub").GetString());
        Assert.Equal("https://epic.example/oauth2/token", payloadA.GetProperty("aud").GetString());
        var exp = DateTimeOffset.FromUnixTimeSeconds(payloadA.GetProperty("exp").GetInt64());
        Assert.InRange(exp, before.AddMinutes(5).AddSeconds(-2), DateTimeOffset.UtcNow.AddMinutes(5));
        Assert.NotEqual(payloadA.GetProperty("jti").GetString(), payloadB.GetProperty("jti").GetString());

        var parts = a.Split('.');
        Assert.True(key.VerifyData(Encoding.ASCII.GetBytes(parts[0] + "." + parts[1]), FromBase64Url(parts[2]), HashAlgorithmName.SHA384, RSASignaturePadding.Pkcs1));
    }

    [Fact]
    public void Refuses_a_lifetime_over_five_minutes()
    {
        using var key = RSA.Create(2048);
        Assert.Throws<ArgumentOutOfRangeException>(() =>
            ClientAssertion.CreateFresh(key, "c", "https://x/token", "k", null, TimeSpan.FromMinutes(5).Add(TimeSpan.FromSeconds(1)), TimeProvider.System));
    }

    [Fact]
    public void Jti_values_do_not_repeat()
    {
        var set = Enumerable.Range(0, 10_000).Select(_ => ClientAssertion.NewJti()).ToHashSet();
        Assert.Equal(10_000, set.Count);
    }

    internal static (JsonElement Header, JsonElement Payload) Decode(string jwt)
    {
        var parts = jwt.Split('.');
        return (JsonDocument.Parse(FromBase64Url(parts[0])).RootElement, JsonDocument.Parse(FromBase64Url(parts[1])).RootElement);
    }

    private static byte[] FromBase64Url(string s)
    {
        var b = s.Replace('-', '+').Replace('_', '/');
        return Convert.FromBase64String(b.PadRight(b.Length + ((4 - (b.Length % 4)) % 4), '='));
    }

    private static RSA LoadPrivateJwk(string path, string kid)
    {
        var jwk = JsonNode.Parse(File.ReadAllText(path))!["keys"]!.AsArray()
            .Single(k => k!["kid"]!.GetValue<string>() == kid && k["d"] is not null)!;
        byte[] F(string name) => FromBase64Url(jwk[name]!.GetValue<string>());
        var rsa = RSA.Create();
        rsa.ImportParameters(new RSAParameters
        {
            Modulus = F("n"), Exponent = F("e"), D = F("d"), P = F("p"), Q = F("q"), DP = F("dp"), DQ = F("dq"), InverseQ = F("qi"),
        });
        return rsa;
    }
}
