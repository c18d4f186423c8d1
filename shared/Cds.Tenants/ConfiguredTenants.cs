using Cds.Rules;

namespace Cds.Tenants;

/// <summary>
/// Every tenant under <c>Tenants</c>, keyed by tenant id (case-insensitive, like configuration keys). Registered with
/// <see cref="TenantSettingsRegistration.AddTenantSettings"/>; read through <c>IOptionsMonitor&lt;ConfiguredTenants&gt;</c>
/// where a reload of the tenants file must take effect (alerts), <c>IOptions</c> elsewhere.
/// </summary>
public sealed class ConfiguredTenants
{
    public Dictionary<string, TenantSettings> Tenants { get; } = new(StringComparer.OrdinalIgnoreCase);

    /// <summary>The tenant's settings, or null when it is not configured.</summary>
    public TenantSettings? Find(string? tenant) =>
        !string.IsNullOrEmpty(tenant) && Tenants.TryGetValue(tenant, out var settings) ? settings : null;

    /// <summary>The tenant's alert settings; an unknown tenant has none switched on.</summary>
    public TenantAlertSettings AlertsOf(string tenant) => Find(tenant)?.Alerts ?? NoAlertSettings;

    /// <summary>The tenant's write-back settings; an unknown tenant is treated as disabled.</summary>
    public TenantWriteBackSettings WriteBackOf(string tenant) => Find(tenant)?.WriteBack ?? TenantWriteBackSettings.Disabled;

    /// <summary>Every tenant's rule tuning, in the shape <see cref="TenantRuleSets"/> resolves.</summary>
    public RuleTuningOptions RuleTuning()
    {
        var options = new RuleTuningOptions();
        foreach (var (id, tenant) in Tenants)
        {
            options.Tenants[id] = new TenantRulesEntry { Rules = tenant.Rules };
        }
        return options;
    }

    private static readonly TenantAlertSettings NoAlertSettings = new();
}
