using System.Buffers;
using System.Security.Cryptography;
using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;

namespace Cds.Fhir.Auth;

/// <summary>
/// SMART Backend Services client assertion (a JWT signed RS384): header <c>alg</c>, <c>kid</c>, optional <c>jku</c>,
/// <c>typ</c>; claims <c>iss</c> = <c>sub</c> = client id, <c>aud</c> = token endpoint, <c>exp</c>, <c>jti</c> — in the
/// order and form of the SMART IG example, so the IG's example assertion is reproduced byte for byte.
/// RSASSA-PKCS1-v1_5 is deterministic, which makes that possible.
/// </summary>
public static class ClientAssertion
{
    public const string Algorithm = "RS384";
    public static readonly TimeSpan MaxLifetime = TimeSpan.FromMinutes(5);

    private static readonly JsonWriterOptions WriterOptions = new() { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    /// <summary>Creates an assertion expiring at <paramref name="expiresAt"/> with the given <paramref name="jti"/>.</summary>
    public static string Create(RSA key, string clientId, string audience, string keyId, string? jku, DateTimeOffset expiresAt, string jti)
    {
        ArgumentNullException.ThrowIfNull(key);
        ArgumentException.ThrowIfNullOrWhiteSpace(clientId);
        ArgumentException.ThrowIfNullOrWhiteSpace(audience);
        ArgumentException.ThrowIfNullOrWhiteSpace(keyId);
        ArgumentException.ThrowIfNullOrWhiteSpace(jti);

        var header = Json(w =>
        {
            w.WriteString("alg", Algorithm);
            w.WriteString("kid", keyId);
            if (!string.IsNullOrWhiteSpace(jku))
            {
                w.WriteString("jku", jku);
            }

            w.WriteString("typ", "JWT");
        });
        var payload = Json(w =>
        {
            w.WriteString("iss", clientId);
            w.WriteString("sub", clientId);
            w.WriteString("aud", audience);
            w.WriteNumber("exp", expiresAt.ToUnixTimeSeconds());
            w.WriteString("jti", jti);
        });

        var signingInput = Base64Url(header) + "." + Base64Url(payload);
        var signature = key.SignData(Encoding.ASCII.GetBytes(signingInput), HashAlgorithmName.SHA384, RSASignaturePadding.Pkcs1);
        return signingInput + "." + Base64Url(signature);
    }

    /// <summary>A fresh assertion: <c>exp</c> = now + <paramref name="lifetime"/> (at most 5 minutes), a new random <c>jti</c>.</summary>
    public static string CreateFresh(RSA key, string clientId, string audience, string keyId, string? jku, TimeSpan lifetime, TimeProvider clock)
    {
        if (lifetime <= TimeSpan.Zero || lifetime > MaxLifetime)
        {
            throw new ArgumentOutOfRangeException(nameof(lifetime), "An assertion lives more than 0 and at most 5 minutes.");
        }

        return Create(key, clientId, audience, keyId, jku, clock.GetUtcNow().Add(lifetime), NewJti());
    }

    /// <summary>128 random bits, base64url: never repeats in practice.</summary>
    public static string NewJti() => Base64Url(RandomNumberGenerator.GetBytes(16));

    private static byte[] Json(Action<Utf8JsonWriter> write)
    {
        var buffer = new ArrayBufferWriter<byte>();
        using (var w = new Utf8JsonWriter(buffer, WriterOptions))
        {
            w.WriteStartObject();
            write(w);
            w.WriteEndObject();
        }

        return buffer.WrittenSpan.ToArray();
    }

    internal static string Base64Url(ReadOnlySpan<byte> bytes) =>
        Convert.ToBase64String(bytes).TrimEnd('=').Replace('+', '-').Replace('/', '_');
}
