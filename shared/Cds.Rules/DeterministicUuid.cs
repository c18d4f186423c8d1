using System.Security.Cryptography;
using System.Text;

namespace Cds.Rules;

/// <summary>
/// Name-based UUIDs (RFC 9562 version 5, SHA-1): the same seed and parts always give the same id, so a replayed
/// hook (same hookInstance) yields the same card and suggestion uuids and Epic's feedback still matches.
/// </summary>
public static class DeterministicUuid
{
    /// <summary>Namespace of this platform's card ids (a fixed random UUID).</summary>
    public static readonly Guid Namespace = new("6f1c2a9e-3b7d-4c58-9e0a-5d2f8b41c7a3");

    public static string Create(params string[] parts)
    {
        // Length-prefixed parts: ("ab","c") and ("a","bc") must not collide.
        var name = new StringBuilder();
        foreach (var part in parts)
        {
            name.Append(part.Length).Append(':').Append(part).Append('|');
        }

        var nameBytes = Encoding.UTF8.GetBytes(name.ToString());
        var input = new byte[16 + nameBytes.Length];
        Namespace.TryWriteBytes(input.AsSpan(0, 16), bigEndian: true, out _);
        nameBytes.CopyTo(input, 16);

        Span<byte> hash = stackalloc byte[20];
        SHA1.HashData(input, hash);
        var bytes = hash[..16];
        bytes[6] = (byte)((bytes[6] & 0x0F) | 0x50); // version 5
        bytes[8] = (byte)((bytes[8] & 0x3F) | 0x80); // RFC variant
        return new Guid(bytes, bigEndian: true).ToString("D");
    }
}
