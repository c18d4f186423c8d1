namespace Cds.EventStore.RuleOutcomes;

public sealed record RuleNoteWritten(string ServiceId, string RuleId, string RuleVersion, DateTimeOffset Day);
