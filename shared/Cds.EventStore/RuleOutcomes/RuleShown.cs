namespace Cds.EventStore.RuleOutcomes;

public sealed record RuleShown(string ServiceId, string RuleId, string RuleVersion, DateTimeOffset Day, int Count);
