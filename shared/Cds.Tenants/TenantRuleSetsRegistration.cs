using Cds.Rules;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace Cds.Tenants;

public static class TenantRuleSetsRegistration
{
    /// <summary>
    /// Registers <see cref="TenantRuleSets"/> from each tenant's <see cref="TenantSettings.Rules"/>, checked with the other
    /// tenant settings (<see cref="TenantRuleTuningCheck"/>: a bad setting stops start-up; a reload bringing one is refused
    /// and the last good rules stay in force) and re-tuned on every accepted reload of the tenants file. The tenants'
    /// snooze settings, which name rules, are checked with them (<see cref="SnoozeSettingsCheck"/>).
    /// Needs <see cref="TenantSettingsRegistration.AddTenantSettings"/> and a <see cref="RuleSet"/> registered.
    /// </summary>
    public static IServiceCollection AddTenantRuleSets(this IServiceCollection services)
    {
        services.AddTenantSettingsCheck<TenantRuleTuningCheck>();
        services.AddTenantSettingsCheck<SnoozeSettingsCheck>();
        services.AddSingleton(sp =>
        {
            var tenants = sp.GetRequiredService<IOptionsMonitor<ConfiguredTenants>>();
            var sets = new TenantRuleSets(sp.GetRequiredService<RuleSet>(), tenants.CurrentValue.RuleTuning());
            // The monitor lives as long as the container; so does this subscription.
            tenants.OnChange(t => sets.Reload(t.RuleTuning()));
            return sets;
        });
        return services;
    }
}
