using System.Threading.Channels;
using Cds.EventStore;
using Cds.Hooks.Security;
using Marten;
using Marten.Exceptions;
using Npgsql;

namespace Cds.Hooks;

/// <summary>
/// Group commit of hook streams: every hook's one append (<see cref="HookReceived"/> … <see cref="CardsReturned"/>)
/// joins the batch of its tenant; a batch (at most <see cref="HookRecorderOptions.MaxBatch"/> hooks, gathered for at
/// most <see cref="HookRecorderOptions.Window"/>) is one session and one transaction: one round trip registers the
/// calls' JWT ids (a unique insert: a conflict is a replay) and reads the hookInstances already recorded, one more
/// appends every new stream, and each caller awaits its batch's commit ("recorded before answered"). A batch that fails fails
/// only its own hooks; one that fails for a reason other than an unavailable store (a stream started by another
/// instance a moment before) is retried hook by hook, so one hook's conflict costs no other hook its record.
/// </summary>
public sealed class HookRecorder : IAsyncDisposable
{
    /// <summary>
    /// One hook's append: its stream's events, the late result its answer has taken (deleted with it), and its JWT id
    /// when the replay check is left to the record (<see cref="JtiCheckedOnRecord"/>).
    /// </summary>
    public sealed record Append(string Tenant, string HookInstance, IReadOnlyList<object> Events, LateResult? TakenLateResult = null,
        HookJti? Jti = null);

    /// <summary>A call's JWT id and when it stops mattering (the token's expiry plus skew).</summary>
    public sealed record HookJti(string Value, DateTimeOffset ExpiresAt);

    private sealed record Pending(Append Append, TaskCompletionSource<RecordOutcome> Done);

    private readonly Channel<Pending> _queue = Channel.CreateUnbounded<Pending>(new UnboundedChannelOptions { SingleReader = true });
    private readonly IDocumentStore _store;
    private readonly IJtiReplayStore _jti;
    private readonly HookRecorderOptions _options;
    private readonly HookMetrics _metrics;
    private readonly ILogger<HookRecorder> _log;
    private readonly Task _loop;

    public HookRecorder(IDocumentStore store, IJtiReplayStore jti, Microsoft.Extensions.Options.IOptions<HookRecorderOptions> options,
        HookMetrics metrics, ILogger<HookRecorder> log)
    {
        _store = store;
        _jti = jti;
        _options = options.Value;
        _metrics = metrics;
        _log = log;
        _loop = Task.Run(RunAsync);
    }

    /// <summary>Joins the next batch and completes when it has committed (or failed).</summary>
    public Task<RecordOutcome> RecordAsync(Append append)
    {
        var pending = new Pending(append, new TaskCompletionSource<RecordOutcome>(TaskCreationOptions.RunContinuationsAsynchronously));
        if (!_queue.Writer.TryWrite(pending))
        {
            return Task.FromResult(RecordOutcome.Failed); // stopping: answered unrecorded
        }
        return pending.Done.Task;
    }

    private async Task RunAsync()
    {
        var reader = _queue.Reader;
        var batch = new List<Pending>(_options.MaxBatch);
        while (await reader.WaitToReadAsync())
        {
            using (var window = new CancellationTokenSource(_options.Window))
            {
                try
                {
                    while (batch.Count < _options.MaxBatch)
                    {
                        if (reader.TryRead(out var next))
                        {
                            batch.Add(next);
                        }
                        else if (batch.Count == 0 || !await reader.WaitToReadAsync(window.Token))
                        {
                            break;
                        }
                    }
                }
                catch (OperationCanceledException)
                {
                    // The window closed: commit what has gathered.
                }
            }
            // Tenants' events live apart (conjoined tenancy): one transaction per tenant in the batch, in parallel.
            await Task.WhenAll(batch.GroupBy(p => p.Append.Tenant, StringComparer.Ordinal).Select(g => CommitAsync(g.Key, [.. g])));
            batch.Clear();
        }
    }

    private async Task CommitAsync(string tenant, IReadOnlyList<Pending> batch)
    {
        try
        {
            foreach (var (pending, outcome) in batch.Zip(await CommitOnceAsync(tenant, batch)))
            {
                pending.Done.TrySetResult(outcome);
            }
            _metrics.Batch(batch.Count);
        }
        catch (Exception ex) when (batch.Count > 1 && !StoreFailures.IsUnavailable(ex))
        {
            // One hook's conflict (another instance started its stream a moment before): each on its own.
            foreach (var pending in batch)
            {
                await CommitAsync(tenant, [pending]);
            }
        }
        catch (Exception ex)
        {
            var collision = ex is ExistingStreamIdCollisionException;
            if (!collision)
            {
                _metrics.StoreFailure(nameof(HookReceived));
                _log.LogError("Event store unavailable ({Error}); {Count} hook(s) answered unrecorded", ex.GetType().Name, batch.Count);
            }
            foreach (var pending in batch)
            {
                pending.Done.TrySetResult(collision ? RecordOutcome.AlreadyRecorded : RecordOutcome.Failed);
            }
        }
    }

    /// <summary>One session, one transaction: the jti and the streams already recorded (one round trip), then the new streams.</summary>
    private async Task<IReadOnlyList<RecordOutcome>> CommitOnceAsync(string tenant, IReadOnlyList<Pending> batch)
    {
        await using var session = _store.LightweightSession(tenant);
        var ids = batch.Select(p => p.Append.HookInstance).Distinct(StringComparer.Ordinal).ToArray();
        var jtis = batch.Select(p => p.Append.Jti).OfType<HookJti>().DistinctBy(j => j.Value, StringComparer.Ordinal).ToList();
        var sql = jtis.Count == 0 ? null : _jti.RegisterManySql;
        if (sql is not null)
        {
            await _jti.PrepareAsync(CancellationToken.None);
        }
        await session.BeginTransactionAsync(CancellationToken.None);
        await using var check = new NpgsqlBatch(session.Connection);
        check.BatchCommands.Add(new NpgsqlBatchCommand(
            $"select id from {_store.Options.DatabaseSchemaName}.mt_doc_hooktimeline where tenant_id = $1 and id = any($2)")
        {
            Parameters = { new() { Value = tenant }, new() { Value = ids } },
        });
        if (sql is not null)
        {
            check.BatchCommands.Add(new NpgsqlBatchCommand(sql)
            {
                Parameters =
                {
                    new() { Value = jtis.Select(_ => tenant).ToArray() },
                    new() { Value = jtis.Select(j => j.Value).ToArray() },
                    new() { Value = jtis.Select(j => j.ExpiresAt.ToUniversalTime()).ToArray() },
                },
            });
        }
        var recorded = new HashSet<string>(StringComparer.Ordinal);
        var accepted = new HashSet<string>(StringComparer.Ordinal);
        await using (var reader = await check.ExecuteReaderAsync())
        {
            while (await reader.ReadAsync())
            {
                recorded.Add(reader.GetString(0));
            }
            if (sql is not null && await reader.NextResultAsync())
            {
                while (await reader.ReadAsync())
                {
                    accepted.Add(reader.GetString(1));
                }
            }
        }

        var outcomes = new List<RecordOutcome>(batch.Count);
        foreach (var pending in batch)
        {
            var append = pending.Append;
            if (sql is not null && append.Jti is { } jti && !accepted.Remove(jti.Value))
            {
                outcomes.Add(RecordOutcome.Replay); // seen before, or twice in this batch: the first one passes
                continue;
            }
            if (!recorded.Add(append.HookInstance))
            {
                outcomes.Add(RecordOutcome.AlreadyRecorded); // stored before, or twice in this batch: the first one wins
                continue;
            }
            session.Events.StartStream(append.HookInstance, [.. append.Events]);
            if (append.TakenLateResult is { } late)
            {
                session.Delete(late);
            }
            outcomes.Add(RecordOutcome.Recorded);
        }
        await session.SaveChangesAsync();
        return outcomes;
    }

    public async ValueTask DisposeAsync()
    {
        _queue.Writer.TryComplete();
        await _loop;
    }
}
