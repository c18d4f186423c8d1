using System.Security.Cryptography;
using System.Text;
using System.Text.Json.Nodes;
using Microsoft.IdentityModel.Tokens;

namespace Cds.EpicSandbox;

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
