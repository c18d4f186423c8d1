namespace Cds.WriteBack;

/// <summary>Write-back settings of every tenant, bound from the <c>Tenants</c> section (only the <c>WriteBack</c> child of each).</summary>
public sealed class WriteBackTenantsOptions
{
    public Dictionary<string, TenantEntry> Tenants { get; set; } = new(StringComparer.OrdinalIgnoreCase);

    public sealed class TenantEntry
    {
        public TenantWriteBackSettings WriteBack { get; set; } = new();
    }

    /// <summary>The tenant's settings; an unknown tenant is treated as disabled.</summary>
    public TenantWriteBackSettings For(string tenant) =>
        Tenants.TryGetValue(tenant, out var entry) ? entry.WriteBack : TenantWriteBackSettings.Disabled;
}
