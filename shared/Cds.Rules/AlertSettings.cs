
namespace Cds.Rules;

/// <summary>
/// A tenant's alert settings (<c>Tenants:{id}:Alerts</c>), read through IOptionsMonitor: a reload of
/// the tenants file switches them without a restart.
/// </summary>
public sealed class TenantAlertSettings
{
    /// <summary>Silent (shadow) mode for every service and rule of the tenant.</summary>
    public bool Silent { get; set; }
    /// <summary>Silent mode per CDS service id (e.g. <c>cds-order-select</c>).</summary>
    public Dictionary<string, bool> SilentServices { get; set; } = new(StringComparer.Ordinal);
    /// <summary>Silent mode per rule id (e.g. <c>renal-dosing</c>).</summary>
    public Dictionary<string, bool> SilentRules { get; set; } = new(StringComparer.Ordinal);
}

/// <summary>The alert part of each tenant's block (the rest of the block is other services' business).</summary>
public sealed class TenantAlertsEntry
{
    public TenantAlertSettings Alerts { get; set; } = new();
}

/// <summary>Bound to the configuration root: <c>Tenants:{id}:Alerts:…</c>.</summary>
public sealed class AlertsOptions
{
    public Dictionary<string, TenantAlertsEntry> Tenants { get; set; } = new(StringComparer.Ordinal);

    public TenantAlertSettings For(string tenant) => Tenants.TryGetValue(tenant, out var entry) ? entry.Alerts : new TenantAlertSettings();
}

/// <summary>Which rule outcomes Epic sees, and which are kept back by silent mode (with the setting that did it).</summary>
public static class SilentMode
{
    public sealed record Split(IReadOnlyList<RuleOutcome> Live, IReadOnlyList<RuleOutcome> Silenced, IReadOnlyList<string> Settings);

    /// <summary>The configuration key that silences <paramref name="ruleId"/> on <paramref name="serviceId"/>; null when it is live.</summary>
    public static string? SilencedBy(string tenant, TenantAlertSettings settings, string serviceId, string ruleId)
    {
        var prefix = $"Tenants:{tenant}:Alerts:";
        if (settings.SilentRules.TryGetValue(ruleId, out var rule) && rule)
        {
            return $"{prefix}SilentRules:{ruleId}";
        }
        if (settings.SilentServices.TryGetValue(serviceId, out var service) && service)
        {
            return $"{prefix}SilentServices:{serviceId}";
        }
        return settings.Silent ? prefix + "Silent" : null;
    }

    public static Split Apply(string tenant, TenantAlertSettings settings, string serviceId, IReadOnlyList<RuleOutcome> outcomes)
    {
        var live = new List<RuleOutcome>();
        var silenced = new List<RuleOutcome>();
        var keys = new SortedSet<string>(StringComparer.Ordinal);
        foreach (var outcome in outcomes)
        {
            if (SilencedBy(tenant, settings, serviceId, outcome.Finding.RuleId) is { } key)
            {
                silenced.Add(outcome);
                keys.Add(key);
            }
            else
            {
                live.Add(outcome);
            }
        }
        return new Split(live, silenced, [.. keys]);
    }
}
