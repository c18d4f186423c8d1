using System.Diagnostics;
using Cds.EventStore.Bulk;
using Cds.Fhir.Bulk;
using Marten;
using Microsoft.Extensions.Logging;
using Npgsql;

namespace Cds.Bulk;

/// <summary>
/// Runs (or resumes) the export of one tenant's Group, every step recorded in the export's Marten stream before the
/// next is taken: a worker killed at any point resumes from the stream — it polls the status URL it already has
/// instead of kicking off a second export, and skips the files whose import (rows and event, one transaction) committed.
/// One worker per tenant and Group at a time (a PostgreSQL advisory lock held for the run).
/// </summary>
public sealed class BulkExportRunner(IDocumentStore store, BulkExportClient client, string connectionString, string schema, TimeProvider time,
    ILogger<BulkExportRunner> logger)
{
    private readonly BulkImporter _importer = new(schema);
    private readonly BulkExportStream _stream = new(store);

    /// <summary>Runs the export to its end and answers the finished run (completed, or failed for good).</summary>
    public async Task<BulkExportRun> RunAsync(string tenant, string? groupId, Func<BulkRunProgress, ValueTask>? onProgress, CancellationToken ct) =>
        (await RunCoreAsync(tenant, groupId, null, onProgress, ct).ConfigureAwait(false))!;

    /// <summary>
    /// The run of one scheduled occurrence, single-flight across instances: null when another worker holds the Group's
    /// lock, or when an export of the Group was already requested at or after <paramref name="occurrence"/> (another
    /// instance ran this occurrence and finished). An export left open by a dead worker is resumed, not started again.
    /// </summary>
    public Task<BulkExportRun?> RunScheduledAsync(string tenant, DateTimeOffset occurrence, CancellationToken ct) =>
        RunCoreAsync(tenant, null, occurrence, null, ct);

    private async Task<BulkExportRun?> RunCoreAsync(string tenant, string? groupId, DateTimeOffset? occurrence, Func<BulkRunProgress, ValueTask>? onProgress,
        CancellationToken ct)
    {
        var options = client.Options(tenant);
        var group = groupId ?? options.GroupId ?? throw new BulkExportException(tenant, "no Group named and Bulk:GroupId is not set");
        await using var groupLock = await GroupLock.TryTakeAsync(connectionString, schema, tenant, group, ct).ConfigureAwait(false);
        if (groupLock is null)
        {
            return occurrence is not null ? null : throw new BulkExportException(tenant, "another worker is exporting this Group now", retryable: true);
        }

        var started = Stopwatch.StartNew();
        var cooldowns = 0;
        var latest = await LatestRequestedAsync(tenant, group, ct).ConfigureAwait(false);
        var run = latest is null ? null : await FindOpenAsync(tenant, latest.ExportId, ct).ConfigureAwait(false);
        var resumed = run is not null;
        if (run is null && occurrence is not null && latest is not null && latest.RequestedAt >= occurrence)
        {
            return null;
        }

        if (run is null)
        {
            var since = await SinceAsync(tenant, group, ct).ConfigureAwait(false);
            var exportId = $"bulk:{group}:{Guid.NewGuid():N}";
            run = await _stream.AppendAsync(tenant, exportId, new BulkExportRequested(exportId, tenant, group, options.Types, since, time.GetUtcNow()), ct).ConfigureAwait(false);
        }
        else
        {
            logger.LogInformation("Resuming export {ExportId} of tenant {Tenant} ({State})", run.ExportId, tenant, run.State);
        }

        ValueTask Report(BulkExportRun r, string? serverProgress = null) => onProgress is null
            ? ValueTask.CompletedTask
            : onProgress(new BulkRunProgress(r.ExportId, r.State, serverProgress ?? r.Progress, r.Files?.Count ?? 0, r.Imported.Count, r.ResourcesImported,
                r.BytesImported, cooldowns, started.Elapsed));

        try
        {
            if (run.StatusUrl is null)
            {
                // Never accepted, or the worker died before the status URL was recorded: ask (again). A kick-off Epic did
                // accept meanwhile answers 429 "too recently", which is waited out like any cooldown.
                var kickOff = await client.KickOffAsync(tenant, group, run.Types, run.Since, async w =>
                {
                    if (w.Reason == BulkWaitReason.Cooldown)
                    {
                        cooldowns++;
                    }

                    await Report(run, w.Reason == BulkWaitReason.Cooldown ? $"cooldown {w.Delay.TotalSeconds:0} s" : null).ConfigureAwait(false);
                }, ct).ConfigureAwait(false);
                run = await _stream.AppendAsync(tenant, run.ExportId, new BulkExportAccepted(run.ExportId, kickOff.StatusUrl.ToString(), time.GetUtcNow()), ct).ConfigureAwait(false);
            }

            await Report(run).ConfigureAwait(false);
            if (run.Files is null)
            {
                var manifest = await client.WaitForManifestAsync(tenant, new Uri(run.StatusUrl!), async w =>
                {
                    if (w.Reason == BulkWaitReason.InProgress && w.Progress != run.Progress)
                    {
                        run = await _stream.AppendAsync(tenant, run.ExportId, new BulkExportProgressed(run.ExportId, w.Progress, time.GetUtcNow()), ct).ConfigureAwait(false);
                    }

                    await Report(run, w.Progress).ConfigureAwait(false);
                }, ct).ConfigureAwait(false);
                run = await _stream.AppendAsync(tenant, run.ExportId, new BulkExportFilesListed(run.ExportId, manifest.TransactionTime, manifest.RequiresAccessToken,
                    manifest.Output.Select(o => new BulkFileListed(o.Type, o.Url.ToString(), o.Count)).ToList(), manifest.Error.Count, time.GetUtcNow()), ct).ConfigureAwait(false);
            }

            foreach (var file in run.Files!)
            {
                if (run.Imported.ContainsKey(file.Url))
                {
                    continue;
                }

                run = await ImportFileAsync(run, file, Report, ct).ConfigureAwait(false);
                await Report(run).ConfigureAwait(false);
            }

            run = await CompleteAsync(run, started.Elapsed, ct).ConfigureAwait(false);
            client.Metrics.Duration(tenant, resumed ? "completed_after_resume" : "completed", started.Elapsed);
            await Report(run).ConfigureAwait(false);
            return run;
        }
        catch (BulkExportException ex) when (!ct.IsCancellationRequested && (!ex.Retryable || ex.StatusCode == 404))
        {
            // For good: refused, failed on Epic's side or expired (404). The next run starts a new export.
            logger.LogWarning("Export {ExportId} of tenant {Tenant} failed: {Reason}", run.ExportId, tenant, ex.Reason);
            run = await _stream.AppendAsync(tenant, run.ExportId, new BulkExportFailed(run.ExportId, ex.Reason, ex.StatusCode, ex.Retryable, ex.RetryAt, time.GetUtcNow()),
                CancellationToken.None).ConfigureAwait(false);
            await using (var connection = await OpenAsync(CancellationToken.None).ConfigureAwait(false))
            {
                await _importer.ForgetSeenAsync(connection, null, run.ExportId, CancellationToken.None).ConfigureAwait(false);
            }

            client.Metrics.Duration(tenant, "failed", started.Elapsed);
            await Report(run).ConfigureAwait(false);
            return run;
        }
    }

    /// <summary>The runs of a tenant, newest first.</summary>
    public async Task<IReadOnlyList<BulkExportRun>> RunsAsync(string tenant, int take, CancellationToken ct)
    {
        await using var session = store.QuerySession(tenant);
        var requested = await session.Events.QueryRawEventDataOnly<BulkExportRequested>()
            .OrderByDescending(e => e.RequestedAt).Take(take).ToListAsync(ct).ConfigureAwait(false);
        var runs = new List<BulkExportRun>();
        foreach (var r in requested)
        {
            runs.Add(await BulkExportStream.LoadAsync(session, r.ExportId, ct).ConfigureAwait(false));
        }

        return runs;
    }

    private async Task<BulkExportRun> ImportFileAsync(BulkExportRun run, BulkFileListed file, Func<BulkExportRun, string?, ValueTask> report, CancellationToken ct)
    {
        try
        {
            return await ImportFileAsync(run, file, report, allowDirect: true, ct).ConfigureAwait(false);
        }
        catch (DuplicateResourceException)
        {
            logger.LogWarning("A {Type} file of tenant {Tenant} lists a resource twice: imported again through staging", file.Type, run.Tenant);
            return await ImportFileAsync(run, file, report, allowDirect: false, ct).ConfigureAwait(false);
        }
    }

    private async Task<BulkExportRun> ImportFileAsync(BulkExportRun run, BulkFileListed file, Func<BulkExportRun, string?, ValueTask> report, bool allowDirect,
        CancellationToken ct)
    {
        await using var connection = await OpenAsync(ct).ConfigureAwait(false);
        await using var transaction = await connection.BeginTransactionAsync(ct).ConfigureAwait(false);
        var lines = client.ReadFileAsync(run.Tenant, new BulkOutputFile(file.Type, new Uri(file.Url), file.Count), run.RequiresAccessToken,
            NdjsonPosition.Start, null, ct);
        var done = run.ResourcesImported;
        var result = await _importer.ImportAsync(connection, transaction, run.Tenant, run.GroupId, run.ExportId, file.Type, lines,
            (n, _) => report(run, $"importing {file.Type}: {done + n} resources"), allowDirect, ct).ConfigureAwait(false);

        // The rows and the events commit together: a file is imported exactly once, whenever the worker dies. The changed keys
        // are appended a page per event, each page in its own session on the same transaction, so none holds them all.
        var imported = new BulkExportFileImported(run.ExportId, file.Url, file.Type, result.Resources, result.Bytes, result.Added, result.Changed,
            result.Unchanged, result.ContentHash, time.GetUtcNow());
        await foreach (var page in BulkImporter.ChangesAsync(connection, transaction, ct).ConfigureAwait(false))
        {
            await _stream.AppendInAsync(transaction, run.Tenant, run.ExportId, new BulkResourcesChanged(run.ExportId, file.Type, page.Added, page.Changed, []), ct)
                .ConfigureAwait(false);
        }

        await _stream.AppendInAsync(transaction, run.Tenant, run.ExportId, imported, ct).ConfigureAwait(false);
        await transaction.CommitAsync(ct).ConfigureAwait(false);
        client.Metrics.Resources(run.Tenant, result.Resources);
        if (result.Skipped > 0)
        {
            logger.LogWarning("{Skipped} lines of a {Type} file of tenant {Tenant} had no resourceType or id and were not imported", result.Skipped, file.Type, run.Tenant);
        }

        run.Apply(imported);
        return run;
    }

    private async Task<BulkExportRun> CompleteAsync(BulkExportRun run, TimeSpan elapsed, CancellationToken ct)
    {
        await using var connection = await OpenAsync(ct).ConfigureAwait(false);
        await using var transaction = await connection.BeginTransactionAsync(ct).ConfigureAwait(false);
        // With _since the files hold only what changed: absence means nothing then, so "gone" is only judged on full exports.
        IReadOnlyList<(string Type, string Key)> gone = [];
        if (run.Since is null)
        {
            gone = await _importer.RemoveGoneAsync(connection, transaction, run.Tenant, run.GroupId, run.ExportId, run.Types, ct).ConfigureAwait(false);
        }
        else
        {
            await _importer.ForgetSeenAsync(connection, transaction, run.ExportId, ct).ConfigureAwait(false);
        }

        var deleted = await client.DeleteAsync(run.Tenant, new Uri(run.StatusUrl!), ct).ConfigureAwait(false);
        var completed = new BulkExportCompleted(run.ExportId, run.ResourcesImported, run.BytesImported, run.Imported.Values.Sum(f => f.Added),
            run.Imported.Values.Sum(f => f.Changed), gone.Count, deleted, elapsed, time.GetUtcNow());
        await using (var session = store.LightweightSession(BulkExportStream.Enlisted(transaction, run.Tenant)))
        {
            foreach (var type in gone.GroupBy(g => g.Type))
            {
                session.Events.Append(run.ExportId, new BulkResourcesChanged(run.ExportId, type.Key, [], [], type.Select(g => g.Key).ToList()));
            }

            session.Events.Append(run.ExportId, completed);
            await session.SaveChangesAsync(ct).ConfigureAwait(false);
        }

        await transaction.CommitAsync(ct).ConfigureAwait(false);
        run.Apply(completed);
        return run;
    }

    /// <summary>The <c>_since</c> to send: the transaction time of the last completed export of this Group, when the server is known to honour it.</summary>
    private async Task<DateTimeOffset?> SinceAsync(string tenant, string group, CancellationToken ct)
    {
        if (!await client.SinceSupportedAsync(tenant, ct).ConfigureAwait(false))
        {
            return null;
        }

        foreach (var run in await RunsAsync(tenant, 20, ct).ConfigureAwait(false))
        {
            if (run.GroupId == group && run.Completed is not null)
            {
                return run.TransactionTime;
            }
        }

        return null;
    }

    /// <summary>The export <paramref name="exportId"/> when it is not finished (a dead worker's, to resume).</summary>
    private async Task<BulkExportRun?> FindOpenAsync(string tenant, string exportId, CancellationToken ct)
    {
        await using var session = store.QuerySession(tenant);
        var run = await BulkExportStream.LoadAsync(session, exportId, ct).ConfigureAwait(false);
        return run.Finished ? null : run;
    }

    private async Task<BulkExportRequested?> LatestRequestedAsync(string tenant, string group, CancellationToken ct)
    {
        await using var session = store.QuerySession(tenant);
        var latest = await session.Events.QueryRawEventDataOnly<BulkExportRequested>()
            .Where(e => e.GroupId == group).OrderByDescending(e => e.RequestedAt).Take(1).ToListAsync(ct).ConfigureAwait(false);
        return latest.Count == 0 ? null : latest[0];
    }

    private async Task<NpgsqlConnection> OpenAsync(CancellationToken ct)
    {
        var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync(ct).ConfigureAwait(false);
        return connection;
    }
}
