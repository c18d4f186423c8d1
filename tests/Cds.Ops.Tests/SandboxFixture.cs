using Cds.EpicSandbox;

namespace Cds.Ops.Tests;

/// <summary>A real Kestrel Epic sandbox (port 0) for one test class, and tenant settings that point at it.</summary>
public sealed class SandboxFixture : IAsyncLifetime
{
    public EpicSandboxServer Sandbox { get; private set; } = null!;

    public async Task InitializeAsync() => Sandbox = await EpicSandboxServer.StartAsync(new SandboxSettings { SeedSynthea = false });

    public async Task DisposeAsync() => await Sandbox.DisposeAsync();

    /// <summary>A correctly configured tenant <paramref name="id"/> for this sandbox (NONPROD id, registered key, jku).</summary>
    public Dictionary<string, string?> Tenant(string id, Action<Dictionary<string, string?>>? tweak = null) => TenantOf(Sandbox, id, tweak);

    /// <summary>A correctly configured tenant <paramref name="id"/> for <paramref name="sandbox"/>.</summary>
    public static Dictionary<string, string?> TenantOf(EpicSandboxServer sandbox, string id, Action<Dictionary<string, string?>>? tweak = null)
    {
        var p = $"Tenants:{id}:";
        var settings = new Dictionary<string, string?>
        {
            [p + "Name"] = "Local Epic sandbox",
            [p + "Environment"] = "NonProduction",
            [p + "FhirBaseUrl"] = sandbox.FhirBaseUrl.ToString(),
            [p + "Backend:NonProdClientId"] = SandboxClients.NonProdClientId,
            [p + "Backend:ProdClientId"] = SandboxClients.ProdClientId,
            [p + "Backend:PrivateKeyPath"] = SandboxClients.PrivateKeyPemPath,
            [p + "Backend:KeyId"] = SandboxClients.KeyId,
            [p + "Backend:Scopes:0"] = "system/Patient.rs",
            [p + "Backend:Scopes:1"] = "system/Observation.rs",
            [p + "HookAuth:JkuAllowlist:0"] = sandbox.HookJwksUrl.ToString(),
            [p + "HookAuth:Issuers:0"] = sandbox.FhirBaseUrl.ToString(),
            [p + "WriteBack:Enabled"] = "false",
        };
        tweak?.Invoke(settings);
        return settings;
    }
}
