namespace Cds.EventStore.RuleOutcomes;

public sealed record RuleFeedback(string ServiceId, string RuleId, string RuleVersion, DateTimeOffset Day, string Outcome,
    IReadOnlyList<string> Suggestions, IReadOnlyList<string> ReasonCodes, bool WithComment, double? Seconds);
