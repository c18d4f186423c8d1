namespace Cds.Ops.Timeline;

public sealed record StoredEvent(long Version, string Type, DateTimeOffset Timestamp);
