
namespace Cds.Rules;

/// <summary>Which rule outcomes Epic sees, and which are kept back by silent mode (with the setting that did it).</summary>
public static class SilentMode
{
    public sealed record Split(IReadOnlyList<RuleOutcome> Live, IReadOnlyList<RuleOutcome> Silenced, IReadOnlyList<string> Settings);

    /// <summary>The configuration key that silences <paramref name="ruleId"/> on <paramref name="serviceId"/>; null when it is live.</summary>
    public static string? SilencedBy(string tenant, TenantAlertSettings settings, string serviceId, string ruleId)
    {
        var prefix = $"Tenants:{tenant}:Alerts:";
        if (settings.SilentRules.TryGetValue(ruleId, out var rule) && rule)
        {
            return $"{prefix}SilentRules:{ruleId}";
        }
        if (settings.SilentServices.TryGetValue(serviceId, out var service) && service)
        {
            return $"{prefix}SilentServices:{serviceId}";
        }
        return settings.Silent ? prefix + "Silent" : null;
    }

    public static Split Apply(string tenant, TenantAlertSettings settings, string serviceId, IReadOnlyList<RuleOutcome> outcomes)
    {
        var live = new List<RuleOutcome>();
        var silenced = new List<RuleOutcome>();
        var keys = new SortedSet<string>(StringComparer.Ordinal);
        foreach (var outcome in outcomes)
        {
            if (SilencedBy(tenant, settings, serviceId, outcome.Finding.RuleId) is { } key)
            {
                silenced.Add(outcome);
                keys.Add(key);
            }
            else
            {
                live.Add(outcome);
            }
        }
        return new Split(live, silenced, [.. keys]);
    }
}
