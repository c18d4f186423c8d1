using Cds.EventStore.Bulk;
using Marten;
using Marten.Services;
using Npgsql;

namespace Cds.Bulk;

/// <summary>An export's Marten stream: its state folded from the events, and appends (alone, or in the caller's transaction).</summary>
internal sealed class BulkExportStream(IDocumentStore store)
{
    /// <summary>The export's state, folded from every event of its stream.</summary>
    public static async Task<BulkExportRun> LoadAsync(IQuerySession session, string exportId, CancellationToken ct)
    {
        var events = await session.Events.FetchStreamAsync(exportId, token: ct).ConfigureAwait(false);
        return BulkExportRun.Fold(events.Select(e => e.Data));
    }

    /// <summary>Appends <paramref name="e"/> in its own session and answers the state after it.</summary>
    public async Task<BulkExportRun> AppendAsync(string tenant, string exportId, object e, CancellationToken ct)
    {
        await using var session = store.LightweightSession(tenant);
        session.Events.Append(exportId, e);
        await session.SaveChangesAsync(ct).ConfigureAwait(false);
        return await LoadAsync(session, exportId, ct).ConfigureAwait(false);
    }

    /// <summary>Appends <paramref name="e"/> in the caller's transaction (the caller commits).</summary>
    public async Task AppendInAsync(NpgsqlTransaction transaction, string tenant, string exportId, object e, CancellationToken ct)
    {
        await using var session = store.LightweightSession(Enlisted(transaction, tenant));
        session.Events.Append(exportId, e);
        await session.SaveChangesAsync(ct).ConfigureAwait(false);
    }

    /// <summary>A session that writes in the caller's transaction (the caller commits).</summary>
    public static SessionOptions Enlisted(NpgsqlTransaction transaction, string tenant)
    {
        var options = SessionOptions.ForTransaction(transaction, false);
        options.TenantId = tenant;
        return options;
    }
}
