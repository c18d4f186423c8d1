namespace Cds.EventStore.RuleOutcomes;

public sealed record RuleSilenced(string ServiceId, string RuleId, string RuleVersion, DateTimeOffset Day, int Count);
