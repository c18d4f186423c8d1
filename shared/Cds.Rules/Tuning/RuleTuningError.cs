namespace Cds.Rules;

/// <summary>One problem of a tenant's rule tuning, named by its setting (<c>Tenants:{id}:Rules:{ruleId}:Parameters:{name}</c>).</summary>
public sealed record RuleTuningError(string Setting, string Message)
{
    public override string ToString() => $"{Setting}: {Message}";
}
