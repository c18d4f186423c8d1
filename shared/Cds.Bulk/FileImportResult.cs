namespace Cds.Bulk;

/// <summary>What importing one file did: counts, and the file's content hash. The keys of what was added or changed wait in <see cref="BulkImporter.ChangesAsync"/>.</summary>
public sealed record FileImportResult(long Resources, long Bytes, long Skipped, string ContentHash, long Added, long Changed, long Unchanged);
