using Cds.Rules;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Cds.Tenants;

public static class TenantRuleSetsRegistration
{
    /// <summary>
    /// Registers <see cref="TenantRuleSets"/> from each tenant's <see cref="TenantSettings.Rules"/>: resolved when first
    /// resolved (do it at start-up, so a bad setting stops the host) and re-tuned on every reload of the tenants file.
    /// Needs <see cref="TenantSettingsRegistration.AddTenantSettings"/> and a <see cref="RuleSet"/> registered. The
    /// tenants' snooze settings, which name rules, are checked with them (<see cref="SnoozeSettingsCheck"/>).
    /// </summary>
    public static IServiceCollection AddTenantRuleSets(this IServiceCollection services)
    {
        services.AddTenantSettingsCheck<SnoozeSettingsCheck>();
        services.AddSingleton(sp =>
        {
            var tenants = sp.GetRequiredService<IOptionsMonitor<ConfiguredTenants>>();
            var sets = new TenantRuleSets(sp.GetRequiredService<RuleSet>(), tenants.CurrentValue.RuleTuning(),
                sp.GetRequiredService<ILogger<TenantRuleSets>>());
            // The monitor lives as long as the container; so does this subscription.
            tenants.OnChange(t => sets.Reload(t.RuleTuning()));
            return sets;
        });
        return services;
    }
}
