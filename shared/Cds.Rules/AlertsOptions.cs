
namespace Cds.Rules;

/// <summary>Bound to the configuration root: <c>Tenants:{id}:Alerts:…</c>.</summary>
public sealed class AlertsOptions
{
    public Dictionary<string, TenantAlertsEntry> Tenants { get; set; } = new(StringComparer.Ordinal);

    public TenantAlertSettings For(string tenant) => Tenants.TryGetValue(tenant, out var entry) ? entry.Alerts : new TenantAlertSettings();
}
