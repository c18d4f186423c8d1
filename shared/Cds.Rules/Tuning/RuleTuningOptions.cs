namespace Cds.Rules;

/// <summary>Every tenant's <c>Tenants:{id}:Rules:{ruleId}:…</c>, taken from the one tenant settings object (Cds.Tenants); tenant ids compared ignoring case, as there.</summary>
public sealed class RuleTuningOptions
{
    public Dictionary<string, TenantRulesEntry> Tenants { get; set; } = new(StringComparer.OrdinalIgnoreCase);
}
