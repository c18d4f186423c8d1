using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Cds.Rules;

/// <summary>
/// Each tenant's rule set (<see cref="RuleTuning"/>), resolved once when the settings are read, not per hook: the hook
/// path does one dictionary look-up. Built at start-up (a bad setting throws <see cref="RuleTuningException"/> and
/// stops the host); a reload of the tenants file re-tunes every tenant, and a reload with a bad setting is logged and
/// leaves the previous rule sets in force.
/// </summary>
public sealed class TenantRuleSets : IDisposable
{
    private readonly RuleSet _rules;
    private readonly IDisposable? _reload;
    private volatile IReadOnlyDictionary<string, RuleSet> _byTenant;

    public TenantRuleSets(RuleSet rules, IOptionsMonitor<RuleTuningOptions> tuning, ILogger<TenantRuleSets> log)
    {
        ArgumentNullException.ThrowIfNull(tuning);
        ArgumentNullException.ThrowIfNull(log);
        _rules = rules;
        _byTenant = Resolve(rules, tuning.CurrentValue);
        _reload = tuning.OnChange(options =>
        {
            try
            {
                _byTenant = Resolve(rules, options);
            }
            catch (RuleTuningException ex)
            {
                log.LogError("Tenant rule tuning not reloaded, the previous one stays in force: {Problems}", ex.Message);
            }
        });
    }

    /// <summary>The tenant's tuned rules; the shipped ones for a tenant that tunes nothing.</summary>
    public RuleSet For(string tenant) => _byTenant.TryGetValue(tenant, out var tuned) ? tuned : _rules;

    /// <summary>Every tenant's tuned rule set; throws with every problem of every tenant when any setting is wrong.</summary>
    public static IReadOnlyDictionary<string, RuleSet> Resolve(RuleSet rules, RuleTuningOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var errors = new List<RuleTuningError>();
        var tuned = options.Tenants.ToDictionary(t => t.Key, t => RuleTuning.Tune(rules, t.Key, t.Value.Rules, errors), StringComparer.Ordinal);
        return errors.Count > 0 ? throw new RuleTuningException(errors) : tuned;
    }

    public void Dispose() => _reload?.Dispose();
}
