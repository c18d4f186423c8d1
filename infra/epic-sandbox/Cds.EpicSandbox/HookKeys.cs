using System.Security.Cryptography;
using System.Text.Json.Nodes;

namespace Cds.EpicSandbox;

/// <summary>The keys "Epic" signs hook JWTs with; their public halves are served at <see cref="EpicSandboxServer.HookJwksUrl"/>.</summary>
public sealed class HookKeys : IDisposable
{
    public RSA Rs384 { get; } = SandboxKeys.LoadRsa(SandboxKeys.HookRs384PrivateFile);

    public ECDsa Es384 { get; } = SandboxKeys.LoadEcdsa(SandboxKeys.HookEs384PrivateFile);

    /// <summary>Standard-base64 kid (with '+' and '='), like Epic's.</summary>
    public string Rs384Kid { get; }

    public string Es384Kid { get; }

    public HookKeys()
    {
        Rs384Kid = SandboxKeys.EpicStyleKid(Rs384);
        Es384Kid = SandboxKeys.EpicStyleKid(Es384);
    }

    public JsonObject Jwks() => SandboxKeys.Jwks(SandboxKeys.PublicJwk(Rs384, Rs384Kid, "RS384"), SandboxKeys.PublicJwk(Es384, Es384Kid, "ES384"));

    public void Dispose()
    {
        Rs384.Dispose();
        Es384.Dispose();
    }
}
