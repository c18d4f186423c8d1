using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Cds.Fhir.Auth;

namespace Cds.Fhir.Smart;

/// <summary>
/// The card link's <c>appContext</c>: <see cref="CardReference"/> sealed with AES-256-GCM under the platform's link key.
/// Opaque to Epic and to the clinician (nothing readable), and any change — another hookInstance, tenant or card —
/// fails the authentication tag, so <see cref="TryOpen"/> refuses it. The tenant is also the associated data, so a
/// context sealed for one tenant can never be opened as another's.
/// </summary>
public static class SmartAppContext
{
    private const byte Version = 1;
    private const int NonceSize = 12;
    private const int TagSize = 16;

    /// <summary>A fresh random 32-byte key, base64 (for <c>SmartApp:AppContextKey</c>).</summary>
    public static string NewKey() => Convert.ToBase64String(RandomNumberGenerator.GetBytes(32));

    /// <summary>Null when <paramref name="base64Key"/> is a base64 32-byte key; otherwise what is wrong (never the key).</summary>
    public static string? KeyProblem(string? base64Key)
    {
        if (string.IsNullOrWhiteSpace(base64Key))
        {
            return "is empty: set a base64 32-byte key (e.g. `openssl rand -base64 32`), the same in the hooks service and the SMART app.";
        }
        try
        {
            return Convert.FromBase64String(base64Key.Trim()).Length == 32 ? null : "must decode to exactly 32 bytes (AES-256).";
        }
        catch (FormatException)
        {
            return "is not base64.";
        }
    }

    public static string Seal(CardReference card, string base64Key)
    {
        var key = Convert.FromBase64String(base64Key.Trim());
        var plain = JsonSerializer.SerializeToUtf8Bytes(new Payload(card.HookInstance, card.CardUuid, card.IssuedAt.ToUnixTimeSeconds()));
        var output = new byte[1 + NonceSize + plain.Length + TagSize];
        output[0] = Version;
        var nonce = output.AsSpan(1, NonceSize);
        RandomNumberGenerator.Fill(nonce);
        using var aes = new AesGcm(key, TagSize);
        aes.Encrypt(nonce, plain, output.AsSpan(1 + NonceSize, plain.Length), output.AsSpan(1 + NonceSize + plain.Length), Aad(card.Tenant));
        return ClientAssertion.Base64Url(output);
    }

    /// <summary>The card named by <paramref name="sealedContext"/> for <paramref name="tenant"/>; null when it was altered, belongs to another tenant or is not ours.</summary>
    public static CardReference? TryOpen(string? sealedContext, string tenant, string base64Key)
    {
        if (string.IsNullOrEmpty(sealedContext) || sealedContext.Length > 2048)
        {
            return null;
        }
        byte[] data;
        try
        {
            data = FromBase64Url(sealedContext);
        }
        catch (FormatException)
        {
            return null;
        }
        if (data.Length <= 1 + NonceSize + TagSize || data[0] != Version)
        {
            return null;
        }
        var cipher = data.AsSpan(1 + NonceSize, data.Length - 1 - NonceSize - TagSize);
        var plain = new byte[cipher.Length];
        try
        {
            using var aes = new AesGcm(Convert.FromBase64String(base64Key.Trim()), TagSize);
            aes.Decrypt(data.AsSpan(1, NonceSize), cipher, data.AsSpan(data.Length - TagSize), plain, Aad(tenant));
            var p = JsonSerializer.Deserialize<Payload>(plain);
            return p is null || string.IsNullOrEmpty(p.H) || string.IsNullOrEmpty(p.C)
                ? null
                : new CardReference(tenant, p.H, p.C, DateTimeOffset.FromUnixTimeSeconds(p.T));
        }
        catch (Exception e) when (e is CryptographicException or JsonException)
        {
            return null;
        }
    }

    private static byte[] Aad(string tenant) => Encoding.UTF8.GetBytes("cds-smart-link:" + tenant);

    private static byte[] FromBase64Url(string text)
    {
        var s = text.Replace('-', '+').Replace('_', '/');
        return Convert.FromBase64String(s + new string('=', (4 - s.Length % 4) % 4));
    }

    private sealed record Payload(string H, string C, long T);
}
