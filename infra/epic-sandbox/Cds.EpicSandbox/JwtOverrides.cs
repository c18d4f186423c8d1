using System.Security.Cryptography;
using System.Text.Json.Nodes;

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
