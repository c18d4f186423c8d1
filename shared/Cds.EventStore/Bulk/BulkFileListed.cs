namespace Cds.EventStore.Bulk;

/// <summary>One file of the manifest.</summary>
public sealed record BulkFileListed(string Type, string Url, long? Count);
