namespace Cds.EventStore.Bulk;

/// <summary>Epic accepted the kick-off: the status URL to poll (and to DELETE at the end).</summary>
public sealed record BulkExportAccepted(string ExportId, string StatusUrl, DateTimeOffset AcceptedAt);
