namespace Cds.EventStore.Bulk;

/// <summary>One file imported (in the same transaction as its rows): counts and the SHA-256 of its content.</summary>
public sealed record BulkExportFileImported(string ExportId, string Url, string Type, long Resources, long Bytes, long Added, long Changed, long Unchanged,
    string ContentHash, DateTimeOffset At);
