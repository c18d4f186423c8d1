namespace Cds.EventStore.RuleOutcomes;

public static class RuleOutcomeKey
{
    public static DateTimeOffset DayOf(DateTimeOffset at) => new(at.UtcDateTime.Date, TimeSpan.Zero);

    /// <summary>"cds-order-select|drug-allergy|1.0.0|2026-12-02".</summary>
    public static string Of(string serviceId, string ruleId, string ruleVersion, DateTimeOffset at) =>
        $"{serviceId}|{ruleId}|{ruleVersion}|{DayOf(at):yyyy-MM-dd}";
}
