namespace Cds.EventStore.Bulk;

/// <summary>A poll said "still running" with a new X-Progress text.</summary>
public sealed record BulkExportProgressed(string ExportId, string? Progress, DateTimeOffset At);
