namespace Cds.EventStore.RuleOutcomes;

public sealed record RuleSnoozed(string ServiceId, string RuleId, string RuleVersion, DateTimeOffset Day, int Count);
