namespace Cds.EventStore.Bulk;

/// <summary>Every file imported, the status URL deleted.</summary>
public sealed record BulkExportCompleted(string ExportId, long Resources, long Bytes, long Added, long Changed, long Gone, bool Deleted, TimeSpan Duration, DateTimeOffset At);
