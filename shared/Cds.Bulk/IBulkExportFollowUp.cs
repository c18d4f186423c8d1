using Cds.EventStore.Bulk;

namespace Cds.Bulk;

/// <summary>What runs after a scheduled export completed (the population run), in the instance that ran the export.</summary>
public interface IBulkExportFollowUp
{
    Task AfterExportAsync(string tenant, BulkExportRun run, CancellationToken ct);
}
