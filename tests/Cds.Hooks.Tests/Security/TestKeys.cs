using System.Security.Cryptography;
using System.Text;
using System.Text.Json.Nodes;
using Microsoft.IdentityModel.Tokens;

namespace Cds.Hooks.Tests.Security;

/// <summary>A signing key made in the test, with an Epic-style kid (standard base64 text with '+', '/' and '=').</summary>
public sealed class TestKey : IDisposable
{
    public AsymmetricAlgorithm Key { get; }
    public string Alg { get; }
    public string Kid { get; }

    private TestKey(AsymmetricAlgorithm key, string alg, string kid)
    {
        Key = key;
        Alg = alg;
        Kid = kid;
    }

    /// <summary>RS256/RS384 (RSA 2048) or ES256/ES384 (P-256/P-384). The kid is forced to contain '+' and '=' like Epic's.</summary>
    public static TestKey Create(string alg, string? kid = null)
    {
        AsymmetricAlgorithm key = alg switch
        {
            "RS256" or "RS384" => RSA.Create(2048),
            "ES256" => ECDsa.Create(ECCurve.NamedCurves.nistP256),
            "ES384" => ECDsa.Create(ECCurve.NamedCurves.nistP384),
            _ => throw new ArgumentOutOfRangeException(nameof(alg)),
        };
        return new TestKey(key, alg, kid ?? EpicStyleKid());
    }

    public static TestKey FromPem(string pemPath, string alg, string kid)
    {
        AsymmetricAlgorithm key = alg.StartsWith("RS", StringComparison.Ordinal) ? RSA.Create() : ECDsa.Create();
        key.ImportFromPem(File.ReadAllText(pemPath));
        return new TestKey(key, alg, kid);
    }

    /// <summary>Base64 of random bytes with a '+' forced in and '=' padding, e.g. "q3+Vx...Lw==".</summary>
    public static string EpicStyleKid()
    {
        var bytes = RandomNumberGenerator.GetBytes(31); // 31 bytes -> 44 chars ending in "="
        bytes[0] = 0xFB; // "+" as the 1st char: 111110 -> '+'
        var kid = Convert.ToBase64String(bytes);
        Assert.Contains('+', kid);
        Assert.EndsWith("=", kid);
        return kid;
    }

    public JsonObject PublicJwk(bool includeAlg = true)
    {
        JsonObject jwk;
        switch (Key)
        {
            case RSA rsa:
            {
                var p = rsa.ExportParameters(false);
                jwk = new JsonObject { ["kty"] = "RSA", ["n"] = Base64UrlEncoder.Encode(p.Modulus), ["e"] = Base64UrlEncoder.Encode(p.Exponent) };
                break;
            }
            case ECDsa ec:
            {
                var p = ec.ExportParameters(false);
                jwk = new JsonObject
                {
                    ["kty"] = "EC", ["crv"] = Alg == "ES256" ? "P-256" : "P-384",
                    ["x"] = Base64UrlEncoder.Encode(p.Q.X), ["y"] = Base64UrlEncoder.Encode(p.Q.Y),
                };
                break;
            }
            default:
                throw new InvalidOperationException();
        }

        jwk["use"] = "sig";
        jwk["kid"] = Kid;
        if (includeAlg)
        {
            jwk["alg"] = Alg;
        }

        return jwk;
    }

    public static JsonObject Jwks(params TestKey[] keys) => new() { ["keys"] = new JsonArray(keys.Select(k => (JsonNode)k.PublicJwk()).ToArray()) };

    public void Dispose() => Key.Dispose();
}

/// <summary>What an Epic hook JWT carries; every field can be changed for attack tests.</summary>
public sealed record HookToken
{
    public string Alg { get; init; } = "RS384";
    public string? Kid { get; init; }
    public string? Jku { get; init; }
    public string? Typ { get; init; } = "JWT";
    public string? Iss { get; init; }
    public string? Sub { get; init; }
    public JsonNode? Aud { get; init; }
    public DateTimeOffset Iat { get; init; } = DateTimeOffset.UtcNow;
    /// <summary>exp = iat + this (Epic: 900 s).</summary>
    public TimeSpan? Lifetime { get; init; } = TimeSpan.FromSeconds(900);
    /// <summary>nbf = iat - this (Epic: 300 s); null leaves nbf out.</summary>
    public TimeSpan? NotBeforeLead { get; init; } = TimeSpan.FromSeconds(300);
    public string? Jti { get; init; } = Guid.NewGuid().ToString();

    public JsonObject Header()
    {
        var h = new JsonObject { ["alg"] = Alg };
        if (Typ is not null) { h["typ"] = Typ; }
        if (Kid is not null) { h["kid"] = Kid; }
        if (Jku is not null) { h["jku"] = Jku; }
        return h;
    }

    public JsonObject Payload()
    {
        var p = new JsonObject();
        if (Iss is not null) { p["iss"] = Iss; }
        if (Sub is not null) { p["sub"] = Sub; }
        if (Aud is not null) { p["aud"] = Aud.DeepClone(); }
        p["iat"] = Iat.ToUnixTimeSeconds();
        if (Lifetime is { } l) { p["exp"] = (Iat + l).ToUnixTimeSeconds(); }
        if (NotBeforeLead is { } n) { p["nbf"] = (Iat - n).ToUnixTimeSeconds(); }
        if (Jti is not null) { p["jti"] = Jti; }
        return p;
    }

    public string PayloadJson() => Payload().ToJsonString();

    // Signed by the sandbox's composer, the one its Epic driver signs hook calls with.

    /// <summary>Signed with an asymmetric key, by the key's own algorithm: <see cref="Alg"/> is only what the header says.</summary>
    public string SignWith(TestKey key) => Cds.EpicSandbox.JwtComposer.Compose(Header(), Payload(), key.Alg, key.Key);

    /// <summary>HS256 with arbitrary secret bytes (the classic "public key as HMAC secret" attack).</summary>
    public string SignHs256(byte[] secret) => Cds.EpicSandbox.JwtComposer.Compose(Header(), Payload(), "HS256", null, secret);

    /// <summary>alg none: no signature at all.</summary>
    public string Unsigned() => Cds.EpicSandbox.JwtComposer.Compose(Header(), Payload(), "none", null);

    public static string B64(string json) => Base64UrlEncoder.Encode(Encoding.UTF8.GetBytes(json));
}
