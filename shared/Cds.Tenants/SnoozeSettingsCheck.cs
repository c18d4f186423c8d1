using Cds.Rules;

namespace Cds.Tenants;

/// <summary>The start-up check of each tenant's snooze after override (<c>Tenants:{id}:Alerts:SnoozeAfterOverride</c>).</summary>
public sealed class SnoozeSettingsCheck(RuleSet rules) : ITenantSettingsCheck
{
    public IEnumerable<string> Problems(ConfiguredTenants tenants) =>
        tenants.Tenants.SelectMany(t => SnoozeAfterOverride.Problems(t.Key, t.Value.Alerts, rules));
}
