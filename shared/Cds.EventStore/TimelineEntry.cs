namespace Cds.EventStore;

public sealed record TimelineEntry(DateTimeOffset At, string What, string Detail);
