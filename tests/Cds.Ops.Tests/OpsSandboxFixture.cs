using Cds.EpicSandbox;
using Cds.Testing;

namespace Cds.Ops.Tests;

/// <summary>The sandbox (no Synthea seed) and tenant settings that point at it, as the ops CLI and dashboard read them.</summary>
public sealed class OpsSandboxFixture : SandboxFixture
{
    protected override SandboxSettings Settings => new() { SeedSynthea = false };

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
