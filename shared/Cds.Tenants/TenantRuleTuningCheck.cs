using Cds.Rules;

namespace Cds.Tenants;

/// <summary>
/// The rule tuning in the tenant validation (<see cref="TenantRuleSetsRegistration.AddTenantRuleSets"/>): every tenant's
/// <c>Rules</c> part resolved as <see cref="TenantRuleSets"/> resolves it, each problem named by its setting. So a bad
/// tuning stops start-up and a reload bringing one is refused with the rest of the file (the last good rules stay in force).
/// </summary>
public sealed class TenantRuleTuningCheck(RuleSet rules) : ITenantSettingsCheck
{
    public IEnumerable<string> Problems(ConfiguredTenants tenants)
    {
        ArgumentNullException.ThrowIfNull(tenants);
        try
        {
            TenantRuleSets.Resolve(rules, tenants.RuleTuning());
            return [];
        }
        catch (RuleTuningException ex)
        {
            return [.. ex.Errors.Select(e => e.ToString())];
        }
    }
}
