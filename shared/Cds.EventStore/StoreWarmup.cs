using Cds.Contracts;
using Marten;
using Marten.Services;
using Microsoft.Extensions.Hosting;
using Npgsql;
using Microsoft.Extensions.Logging;

namespace Cds.EventStore;

/// <summary>
/// Touches the document and event storage once at start-up so the first hook does not pay Marten's first-use
/// cost (connection pool, generated storage) against its deadline. Failure is logged, not fatal: readiness says it.
/// </summary>
internal sealed class StoreWarmup(IDocumentStore store, string connectionString, ILogger<StoreWarmup> log) : IHostedService
{
    public async Task StartAsync(CancellationToken cancellationToken)
    {
        var started = DateTime.UtcNow;
        try
        {
            // Marten checks each document type's table on its first use in a process: do it for every type now,
            // not inside the first hook's deadline.
            foreach (var documentType in store.Options.AllKnownDocumentTypes())
            {
                await store.Storage.Database.EnsureStorageExistsAsync(documentType.DocumentType, cancellationToken);
            }
            await using var session = store.QuerySession("warmup");
            await session.LoadAsync<HookTimeline>("warmup", cancellationToken);
            await session.LoadAsync<IssuedCard>("warmup", cancellationToken);
            await session.LoadAsync<LateResult>("warmup", cancellationToken);
            await session.Events.FetchStreamStateAsync("warmup", cancellationToken);
            await RehearseHookStreamAsync(cancellationToken);
            log.LogInformation("Event store warmed up in {ElapsedMs} ms", (long)(DateTime.UtcNow - started).TotalMilliseconds);
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            log.LogWarning("Event store warm-up failed ({Error}); the first hook may be slow", ex.GetType().Name);
        }
    }

    /// <summary>
    /// Writes a hook's life (start, enrichment, answer) in a transaction that is rolled back: Marten generates and
    /// compiles its append and inline-projection code on the first write, which would otherwise land on the first
    /// hooks after a deploy (seconds, past their deadline). Nothing is kept.
    /// </summary>
    private async Task RehearseHookStreamAsync(CancellationToken ct)
    {
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync(ct);
        await using var transaction = await connection.BeginTransactionAsync(ct);
        var options = SessionOptions.ForTransaction(transaction, shouldAutoCommit: false);
        options.TenantId = "warmup";
        await using (var session = store.LightweightSession(options))
        {
            var id = "warmup-" + Guid.NewGuid().ToString("N");
            var now = DateTimeOffset.UtcNow;
            session.Events.StartStream(id, new HookReceived("warmup", id, HookNames.PatientView, "warmup", "warmup", null, null, now, []),
                new PrefetchResolved([], [], [], []));
            await session.SaveChangesAsync(ct);
            await HookStreams.AppendAsync(session, id, ct, new EnrichmentCompleted(id, "warmup", [], [], [], now, false));
            await session.SaveChangesAsync(ct);
            await HookStreams.AppendAsync(session, id, ct, new CardsReturned([], 0, false, now, CardSources.Live));
            await session.SaveChangesAsync(ct);
        }
        await transaction.RollbackAsync(ct);
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}
