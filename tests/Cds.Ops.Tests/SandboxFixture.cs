using Cds.EpicSandbox;
using Cds.Testing;

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
        var settings = SandboxTenant.Of(sandbox, id).Scopes("system/Patient.rs", "system/Observation.rs").Set("WriteBack:Enabled", "false")
            .ToDictionary();
        tweak?.Invoke(settings);
        return settings;
    }
}
