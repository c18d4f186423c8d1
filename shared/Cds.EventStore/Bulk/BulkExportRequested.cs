namespace Cds.EventStore.Bulk;

// The lifecycle of one Group $export, one Marten stream per export (key "bulk:{group}:{uuid}", tenant = Epic customer).
// The events carry counts, hashes, resource types and ids: never a line of the NDJSON.

/// <summary>An export was decided on; what was asked (and the <c>_since</c> it will send, if any).</summary>
public sealed record BulkExportRequested(string ExportId, string Tenant, string GroupId, IReadOnlyList<string> Types, DateTimeOffset? Since, DateTimeOffset RequestedAt);
