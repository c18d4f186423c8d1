using System.Security.Cryptography;
using System.Text.Json.Nodes;
using Microsoft.IdentityModel.Tokens;

namespace Cds.EpicSandbox;

/// <summary>Test-only key material committed under infra/epic-sandbox/keys (copied next to the binary).</summary>
public static class SandboxKeys
{
    public static string KeysDirectory { get; } = FindKeysDirectory();

    public static string PathOf(string fileName) => System.IO.Path.Combine(KeysDirectory, fileName);

    public const string BackendRs384PrivateFile = "backend-client-rs384.private.pem";
    public const string BackendEs384PrivateFile = "backend-client-es384.private.pem";
    public const string HookRs384PrivateFile = "epic-hook-rs384.private.pem";
    public const string HookEs384PrivateFile = "epic-hook-es384.private.pem";

    public static RSA LoadRsa(string fileName)
    {
        var rsa = RSA.Create();
        rsa.ImportFromPem(File.ReadAllText(PathOf(fileName)));
        return rsa;
    }

    public static ECDsa LoadEcdsa(string fileName)
    {
        var ec = ECDsa.Create();
        ec.ImportFromPem(File.ReadAllText(PathOf(fileName)));
        return ec;
    }

    /// <summary>Epic-style kid: standard base64 (with '+', '/' and '=') of the SHA-256 of the public key's SubjectPublicKeyInfo.</summary>
    public static string EpicStyleKid(AsymmetricAlgorithm key) =>
        Convert.ToBase64String(SHA256.HashData(key.ExportSubjectPublicKeyInfo()));

    /// <summary>The public JWK (RFC 7517) of an RSA or P-384 key.</summary>
    public static JsonObject PublicJwk(AsymmetricAlgorithm key, string kid, string alg)
    {
        switch (key)
        {
            case RSA rsa:
            {
                var p = rsa.ExportParameters(false);
                return new JsonObject
                {
                    ["kty"] = "RSA", ["use"] = "sig", ["alg"] = alg, ["kid"] = kid,
                    ["n"] = Base64UrlEncoder.Encode(p.Modulus), ["e"] = Base64UrlEncoder.Encode(p.Exponent),
                };
            }
            case ECDsa ec:
            {
                var p = ec.ExportParameters(false);
                return new JsonObject
                {
                    ["kty"] = "EC", ["use"] = "sig", ["alg"] = alg, ["kid"] = kid, ["crv"] = "P-384",
                    ["x"] = Base64UrlEncoder.Encode(p.Q.X), ["y"] = Base64UrlEncoder.Encode(p.Q.Y),
                };
            }
            default:
                throw new ArgumentException("Only RSA and ECDSA keys are supported.", nameof(key));
        }
    }

    public static JsonObject Jwks(params JsonObject[] keys) => new() { ["keys"] = new JsonArray(keys.Select(k => (JsonNode)k.DeepClone()).ToArray()) };

    private static string FindKeysDirectory()
    {
        var candidates = new List<string> { System.IO.Path.Combine(AppContext.BaseDirectory, "keys") };
        foreach (var start in new[] { AppContext.BaseDirectory, Directory.GetCurrentDirectory() })
        {
            for (var dir = new DirectoryInfo(start); dir is not null; dir = dir.Parent)
            {
                candidates.Add(System.IO.Path.Combine(dir.FullName, "infra", "epic-sandbox", "keys"));
            }
        }

        return candidates.FirstOrDefault(c => File.Exists(System.IO.Path.Combine(c, BackendRs384PrivateFile)))
            ?? throw new InvalidOperationException("infra/epic-sandbox/keys not found next to the binary or in a parent folder.");
    }
}
