namespace Cds.Rules;

/// <summary>
/// Each tenant's rule set (<see cref="RuleTuning"/>), resolved once when the settings are read, not per hook: the hook
/// path does one dictionary look-up. Built at start-up (a bad setting throws <see cref="RuleTuningException"/>); a
/// reload of the tenants file re-tunes every tenant. The tenant settings validation runs the same resolution
/// (Cds.Tenants <c>TenantRuleTuningCheck</c>), so a reload with a bad setting is refused before it gets here and the
/// previous rule sets stay in force.
/// </summary>
public sealed class TenantRuleSets
{
    private readonly RuleSet _rules;
    private volatile IReadOnlyDictionary<string, RuleSet> _byTenant;

    /// <summary>Resolves <paramref name="tuning"/> now: a bad setting throws <see cref="RuleTuningException"/>.</summary>
    public TenantRuleSets(RuleSet rules, RuleTuningOptions tuning)
    {
        _rules = rules;
        _byTenant = Resolve(rules, tuning);
    }

    /// <summary>Re-tunes every tenant after an accepted reload of the tenants file (validated, so it resolves).</summary>
    public void Reload(RuleTuningOptions tuning) => _byTenant = Resolve(_rules, tuning);

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
