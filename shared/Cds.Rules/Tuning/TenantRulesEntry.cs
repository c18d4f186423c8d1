namespace Cds.Rules;

/// <summary>The rule part of each tenant's block (the rest of the block is other services' business).</summary>
public sealed class TenantRulesEntry
{
    /// <summary>By rule id (e.g. <c>renal-dosing</c>).</summary>
    public Dictionary<string, TenantRuleSettings> Rules { get; set; } = new(StringComparer.OrdinalIgnoreCase);
}
