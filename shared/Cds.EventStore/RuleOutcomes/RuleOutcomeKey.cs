using Cds.Contracts;

namespace Cds.EventStore.RuleOutcomes;

public static class RuleOutcomeKey
{
    public static DateTimeOffset DayOf(DateTimeOffset at) => new(at.UtcDateTime.Date, TimeSpan.Zero);

    /// <summary>
    /// The version a finding counts under: its rule's version, with "+{overrides hash}" when the tenant tuned the rule
    /// (Tenants:{id}:Rules), so tuned and shipped thresholds are told apart.
    /// </summary>
    public static string VersionOf(Finding finding) =>
        finding.OverridesHash is null ? finding.RuleVersion : $"{finding.RuleVersion}+{finding.OverridesHash}";

    /// <summary>"cds-order-select|drug-allergy|1.0.0|2026-12-02".</summary>
    public static string Of(string serviceId, string ruleId, string ruleVersion, DateTimeOffset at) =>
        $"{serviceId}|{ruleId}|{ruleVersion}|{DayOf(at):yyyy-MM-dd}";
}
