using System.Security.Cryptography;
using System.Text;
using System.Text.Json.Nodes;
using Microsoft.IdentityModel.Tokens;

namespace Cds.EpicSandbox;

/// <summary>Changes to a signed JWT, for attack and edge-case tests. Null = keep the default.</summary>
public sealed class JwtOverrides
{
    /// <summary>"RS384" (default), "ES384", "RS256", "HS256" (signed with <see cref="HmacSecret"/>), or "none" (no signature).</summary>
    public string? Alg { get; set; }

    public string? Kid { get; set; }

    public string? Jku { get; set; }

    public string? Typ { get; set; }

    public string? Iss { get; set; }

    public string? Sub { get; set; }

    public string? Aud { get; set; }

    public string? Jti { get; set; }

    public DateTimeOffset? Iat { get; set; }

    public DateTimeOffset? Exp { get; set; }

    public DateTimeOffset? Nbf { get; set; }

    /// <summary>Sign with this key instead (e.g. one not in the JWKS). RSA for RS*, ECDsa for ES384.</summary>
    public AsymmetricAlgorithm? Key { get; set; }

    /// <summary>Secret for HS256 (default: the UTF-8 of the JWKS text, the classic key-confusion attack).</summary>
    public byte[]? HmacSecret { get; set; }

    /// <summary>Header or claim names to leave out (e.g. "kid", "jku", "typ", "exp", "jti").</summary>
    public HashSet<string> Omit { get; } = new(StringComparer.Ordinal);

    public Dictionary<string, JsonNode?> ExtraClaims { get; } = new(StringComparer.Ordinal);

    public Dictionary<string, JsonNode?> ExtraHeaders { get; } = new(StringComparer.Ordinal);

    /// <summary>Corrupt the signature after signing.</summary>
    public bool TamperSignature { get; set; }
}

/// <summary>Builds compact JWS tokens byte for byte (so tests control every header and claim, including the bad ones).</summary>
public static class JwtComposer
{
    /// <summary>Writes '+' and '/' as they are (Epic's kid is plain base64 text in the header JSON).</summary>
    internal static readonly System.Text.Json.JsonSerializerOptions Relaxed = new() { Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    public static string Compose(JsonObject header, JsonObject payload, string alg, AsymmetricAlgorithm? key, byte[]? hmacSecret = null, bool tamper = false)
    {
        var signingInput = Base64UrlEncoder.Encode(Encoding.UTF8.GetBytes(header.ToJsonString(Relaxed))) + "." +
                           Base64UrlEncoder.Encode(Encoding.UTF8.GetBytes(payload.ToJsonString(Relaxed)));
        var data = Encoding.ASCII.GetBytes(signingInput);
        byte[] signature = alg switch
        {
            "none" => [],
            "RS384" => ((RSA)key!).SignData(data, HashAlgorithmName.SHA384, RSASignaturePadding.Pkcs1),
            "RS256" => ((RSA)key!).SignData(data, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1),
            "PS384" => ((RSA)key!).SignData(data, HashAlgorithmName.SHA384, RSASignaturePadding.Pss),
            "ES256" => ((ECDsa)key!).SignData(data, HashAlgorithmName.SHA256, DSASignatureFormat.IeeeP1363FixedFieldConcatenation),
            "ES384" => ((ECDsa)key!).SignData(data, HashAlgorithmName.SHA384, DSASignatureFormat.IeeeP1363FixedFieldConcatenation),
            "HS256" => HMACSHA256.HashData(hmacSecret ?? throw new ArgumentException("HS256 needs a secret."), data),
            "HS384" => HMACSHA384.HashData(hmacSecret ?? throw new ArgumentException("HS384 needs a secret."), data),
            _ => throw new ArgumentException($"Unsupported alg '{alg}'."),
        };
        if (tamper && signature.Length > 0)
        {
            signature[^1] ^= 0x5A;
        }

        return signingInput + "." + Base64UrlEncoder.Encode(signature);
    }

    /// <summary>Applies the overrides and signs. <paramref name="defaults"/> supplies the normal header/payload.</summary>
    internal static string Sign(JsonObject header, JsonObject payload, Func<string, AsymmetricAlgorithm> keyFor, Action<JwtOverrides>? tweak, byte[] defaultHmacSecret)
    {
        var o = new JwtOverrides();
        tweak?.Invoke(o);
        var alg = o.Alg ?? (string)header["alg"]!;
        header["alg"] = alg;
        Set(header, "kid", o.Kid);
        Set(header, "jku", o.Jku);
        Set(header, "typ", o.Typ);
        Set(payload, "iss", o.Iss);
        Set(payload, "sub", o.Sub);
        Set(payload, "aud", o.Aud);
        Set(payload, "jti", o.Jti);
        if (o.Iat is { } iat)
        {
            var delta = iat.ToUnixTimeSeconds() - (long)payload["iat"]!;
            payload["iat"] = iat.ToUnixTimeSeconds();
            payload["exp"] = (long)payload["exp"]! + delta;
            if (payload["nbf"] is not null)
            {
                payload["nbf"] = (long)payload["nbf"]! + delta;
            }
        }

        if (o.Exp is { } exp)
        {
            payload["exp"] = exp.ToUnixTimeSeconds();
        }

        if (o.Nbf is { } nbf)
        {
            payload["nbf"] = nbf.ToUnixTimeSeconds();
        }

        foreach (var kv in o.ExtraClaims)
        {
            payload[kv.Key] = kv.Value?.DeepClone();
        }

        foreach (var kv in o.ExtraHeaders)
        {
            header[kv.Key] = kv.Value?.DeepClone();
        }

        foreach (var name in o.Omit)
        {
            header.Remove(name);
            payload.Remove(name);
        }

        var key = alg is "none" or "HS256" or "HS384" ? null : o.Key ?? keyFor(alg);
        return Compose(header, payload, alg, key, o.HmacSecret ?? defaultHmacSecret, o.TamperSignature);
    }

    private static void Set(JsonObject target, string name, string? value)
    {
        if (value is not null)
        {
            target[name] = value;
        }
    }
}

/// <summary>Client assertions for the sandbox's token endpoint (what a SMART Backend Services client sends).</summary>
public static class ClientAssertions
{
    /// <summary>An RS384 (or ES384 with tweak Alg = "ES384") assertion for the platform client, valid for 4 minutes, fresh jti.</summary>
    public static string Create(Uri tokenEndpoint, string clientId = SandboxClients.NonProdClientId, Action<JwtOverrides>? tweak = null)
    {
        var now = DateTimeOffset.UtcNow;
        var o = new JwtOverrides();
        tweak?.Invoke(o);
        var alg = o.Alg ?? "RS384";
        var header = new JsonObject { ["alg"] = alg, ["typ"] = "JWT", ["kid"] = alg == "ES384" ? SandboxClients.Es384KeyId : SandboxClients.KeyId };
        var payload = new JsonObject
        {
            ["iss"] = clientId, ["sub"] = clientId, ["aud"] = tokenEndpoint.ToString(), ["jti"] = Guid.NewGuid().ToString("N"),
            ["iat"] = now.ToUnixTimeSeconds(), ["exp"] = now.AddMinutes(4).ToUnixTimeSeconds(),
        };
        using var rsa = SandboxKeys.LoadRsa(SandboxKeys.BackendRs384PrivateFile);
        using var ec = SandboxKeys.LoadEcdsa(SandboxKeys.BackendEs384PrivateFile);
        var secret = Encoding.UTF8.GetBytes(File.ReadAllText(SandboxKeys.PathOf("backend-client-rs384.public.pem")));
        return JwtComposer.Sign(header, payload, a => a.StartsWith("ES", StringComparison.Ordinal) ? ec : rsa, tweak, secret);
    }

    /// <summary>The form body of a client_credentials token request.</summary>
    public static FormUrlEncodedContent TokenRequest(string assertion, string? scope = "system/Patient.read system/Observation.read")
    {
        var fields = new List<KeyValuePair<string, string>>
        {
            new("grant_type", "client_credentials"),
            new("client_assertion_type", TokenService.AssertionType),
            new("client_assertion", assertion),
        };
        if (scope is not null)
        {
            fields.Add(new("scope", scope));
        }

        return new FormUrlEncodedContent(fields);
    }
}
