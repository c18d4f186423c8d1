namespace Cds.Rules;

/// <summary>
/// A tenant's tuning of one rule (<c>Tenants:{id}:Rules:{ruleId}</c>): switch it off, or override values of its
/// <c>parameters</c> without a code change. Validated at start-up against the rule's own kind
/// (<see cref="RuleTuning"/>); the tuned rule set is resolved once per tenant (<see cref="TenantRuleSets"/>).
/// </summary>
public sealed class TenantRuleSettings
{
    /// <summary>False: the rule does not run for this tenant (no card, no finding, not in the rule versions).</summary>
    public bool Enabled { get; set; } = true;

    /// <summary>
    /// Values of the rule's <c>parameters</c> by name, as the rule file spells them (<c>maxAgeDays</c>,
    /// <c>aboveValue</c>, <c>drugs[0].egfrBelow</c>); each replaces the file's value for this tenant.
    /// </summary>
    public Dictionary<string, string> Parameters { get; set; } = new(StringComparer.OrdinalIgnoreCase);
}
