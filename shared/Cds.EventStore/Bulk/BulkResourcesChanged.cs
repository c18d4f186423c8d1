namespace Cds.EventStore.Bulk;

/// <summary>Resources of one type that are new, changed (by content hash) or no longer in the Group since the previous export.</summary>
public sealed record BulkResourcesChanged(string ExportId, string Type, IReadOnlyList<string> Added, IReadOnlyList<string> Changed, IReadOnlyList<string> Gone);
