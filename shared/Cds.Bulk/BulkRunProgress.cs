namespace Cds.Bulk;

/// <summary>A live view of a run, for the CLI and the dashboard.</summary>
public sealed record BulkRunProgress(string ExportId, string State, string? ServerProgress, int FilesTotal, int FilesImported, long Resources, long Bytes,
    int Cooldowns, TimeSpan Elapsed);
