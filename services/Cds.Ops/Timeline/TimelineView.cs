using Cds.EventStore;

namespace Cds.Ops.Timeline;

/// <summary>A hook's timeline and its raw events (type, version, time).</summary>
public sealed record TimelineView(HookTimeline Timeline, string TenantId, IReadOnlyList<StoredEvent> Events);
