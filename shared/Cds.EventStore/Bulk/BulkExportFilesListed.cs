namespace Cds.EventStore.Bulk;

/// <summary>The manifest: the files to import.</summary>
public sealed record BulkExportFilesListed(string ExportId, DateTimeOffset TransactionTime, bool RequiresAccessToken, IReadOnlyList<BulkFileListed> Files,
    int ErrorFiles, DateTimeOffset At);
