namespace Cds.EventStore.RuleOutcomes;

// What the grouping hands to the aggregate (public only for the projection's Apply methods): each source event, split per rule and enriched with what the stream's
// timeline knows (service, day, the finding behind each card). Never stored.
public sealed record RuleFired(string ServiceId, string RuleId, string RuleVersion, DateTimeOffset Day, int Count);
