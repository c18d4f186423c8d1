using Microsoft.Extensions.Logging;

namespace Cds.Rules;

/// <summary>
/// Each tenant's rule set (<see cref="RuleTuning"/>), resolved once when the settings are read, not per hook: the hook
/// path does one dictionary look-up. Built at start-up (a bad setting throws <see cref="RuleTuningException"/> and
/// stops the host); a reload of the tenants file re-tunes every tenant, and a reload with a bad setting is logged and
/// leaves the previous rule sets in force.
/// </summary>
public sealed class TenantRuleSets
{
    private readonly RuleSet _rules;
    private readonly ILogger _log;
    private volatile IReadOnlyDictionary<string, RuleSet> _byTenant;

    /// <summary>Resolves <paramref name="tuning"/> now: a bad setting throws <see cref="RuleTuningException"/>.</summary>
    public TenantRuleSets(RuleSet rules, RuleTuningOptions tuning, ILogger<TenantRuleSets> log)
    {
        ArgumentNullException.ThrowIfNull(log);
        _rules = rules;
        _log = log;
        _byTenant = Resolve(rules, tuning);
    }

    /// <summary>Re-tunes every tenant after a reload of the tenants file; a bad setting is logged and changes nothing.</summary>
    public void Reload(RuleTuningOptions tuning)
    {
        try
        {
            _byTenant = Resolve(_rules, tuning);
        }
        catch (RuleTuningException ex)
        {
            _log.LogError("Tenant rule tuning not reloaded, the previous one stays in force: {Problems}", ex.Message);
        }
    }

    /// <summary>The tenant's tuned rules (tenant id case-insensitive, as in <c>ConfiguredTenants</c>); the shipped ones for a tenant that tunes nothing.</summary>
    public RuleSet For(string tenant) => _byTenant.TryGetValue(tenant, out var tuned) ? tuned : _rules;

    /// <summary>Every tenant's tuned rule set; throws with every problem of every tenant when any setting is wrong.</summary>
    public static IReadOnlyDictionary<string, RuleSet> Resolve(RuleSet rules, RuleTuningOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var errors = new List<RuleTuningError>();
        var tuned = options.Tenants.ToDictionary(t => t.Key, t => RuleTuning.Tune(rules, t.Key, t.Value.Rules, errors), StringComparer.OrdinalIgnoreCase);
        return errors.Count > 0 ? throw new RuleTuningException(errors) : tuned;
    }
}
