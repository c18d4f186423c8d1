namespace Cds.EventStore.Bulk;

/// <summary>The export cannot go on (refused, failed on Epic's side, expired); a new run starts a new export.</summary>
public sealed record BulkExportFailed(string ExportId, string Reason, int? StatusCode, bool Retryable, DateTimeOffset? RetryAt, DateTimeOffset At);
