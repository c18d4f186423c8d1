namespace Cds.Rules;

/// <summary>Bound to the configuration root: <c>Tenants:{id}:Rules:{ruleId}:…</c> (<see cref="RuleTuningRegistration"/>).</summary>
public sealed class RuleTuningOptions
{
    public Dictionary<string, TenantRulesEntry> Tenants { get; set; } = new(StringComparer.Ordinal);
}
