using Cds.Rules;

namespace Cds.Ops.Tenants;

/// <summary>
/// The <c>rules</c> lines of <c>tenants check</c>: the rules in force for one tenant (<c>Tenants:{id}:Rules</c>
/// applied as the services apply it, <see cref="RuleTuning"/>), each enabled or disabled with its effective
/// thresholds, the overridden ones marked; a setting the services would refuse at start-up fails, named.
/// </summary>
public static class RuleTuningCheck
{
    public const string Check = "rules";

    private static readonly Lazy<RuleSet> Shipped = new(RuleSetLoader.LoadDefault);

    /// <param name="settings">The tenant's <c>Tenants:{id}:Rules</c>, as <see cref="TenantChecker"/> bound them.</param>
    public static IReadOnlyList<TenantCheckLine> Lines(string tenant, IReadOnlyDictionary<string, TenantRuleSettings> settings)
    {
        var errors = new List<RuleTuningError>();
        var tuned = RuleTuning.Tune(Shipped.Value, tenant, settings, errors);
        if (errors.Count > 0)
        {
            return [.. errors.Select(e => new TenantCheckLine(tenant, Check, CheckStatus.Fail, e.ToString()))];
        }

        return [.. Shipped.Value.Rules.Select(rule => tuned.Rules.FirstOrDefault(r => r.Id == rule.Id) is { } inForce
            ? new TenantCheckLine(tenant, Check, CheckStatus.Pass, $"{rule.Id}@{inForce.TunedVersion} enabled: {Values(inForce)}")
            : new TenantCheckLine(tenant, Check, CheckStatus.Pass, $"{rule.Id}@{rule.Version} disabled (Tenants:{tenant}:Rules:{rule.Id}:Enabled)"))];
    }

    /// <summary>The line when the tenant's block could not be bound (e.g. an Enabled that is not true or false).</summary>
    public static TenantCheckLine Unbound(string tenant, Exception binding) => new(tenant, Check, CheckStatus.Fail, binding.Message);

    private static string Values(RuleDefinition rule)
    {
        var values = RuleParameterValues.Of(rule);
        return values.Count == 0
            ? "no thresholds"
            : string.Join(", ", values.Select(v => $"{v.Name}={v.Value}{(v.Overridden ? " (overridden)" : "")}"));
    }
}
