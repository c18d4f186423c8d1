using System.Diagnostics;
using Cds.Contracts;
using Cds.EventStore;
using Cds.Hooks.HookServices;
using Marten;
using Marten.Exceptions;
using MassTransit;
using Microsoft.Extensions.Options;

namespace Cds.Hooks;

/// <summary>What a hook call asks for, once authenticated, parsed and validated. No tokens in here.</summary>
public sealed record HookInvocation
{
    public required string Tenant { get; init; }
    public required CdsService Service { get; init; }
    public required string HookInstance { get; init; }
    public required string PatientId { get; init; }
    public string? EncounterId { get; init; }
    public string? UserId { get; init; }
    public PatientContext? Context { get; init; }
    public IReadOnlyList<DraftMedication> DraftMedications { get; init; } = [];
    public IReadOnlyList<string> PrefetchKeys { get; init; } = [];
    public PrefetchResolved? Prefetch { get; init; }
    public EpicExtension? Epic { get; init; }
    public bool Stripped { get; init; }
    /// <summary>The caller's CDS Hooks 2.0 <c>tenant</c> JWT claim, when it sent one (recorded with HookReceived).</summary>
    public string? ClientTenant { get; init; }
    /// <summary>Decides, once, whether this answer is shown (the pipeline commits) or given up at the deadline (the endpoint abandons).</summary>
    public AnswerGate Gate { get; init; } = new();

    /// <summary>A validated request as the pipeline runs it: ids, context and draft medications — no token, no names.</summary>
    public static HookInvocation From(Requests.HookRequest request, string tenant, CdsService service, PatientContext? context,
        PrefetchResolved? prefetch, bool stripped, AnswerGate gate) => new()
    {
        Gate = gate,
        Tenant = tenant,
        Service = service,
        HookInstance = request.HookInstance,
        PatientId = request.ContextData.PatientId,
        EncounterId = request.ContextData.EncounterId,
        UserId = request.ContextData.UserId,
        Context = context,
        DraftMedications = request.ContextData.DraftOrders?.Medications ?? [],
        PrefetchKeys = [.. request.Prefetch.Keys],
        Prefetch = prefetch,
        Epic = request.Extension?.ToEvent(),
        Stripped = stripped,
    };

    /// <summary>The bus message asking enrichment to evaluate this hook.</summary>
    public EvaluateHook ToEvaluateHook(DateTimeOffset receivedAt, TimeSpan deadline) => new()
    {
        Tenant = Tenant,
        HookInstance = HookInstance,
        Hook = Service.Hook,
        ServiceId = Service.Id,
        PatientId = PatientId,
        EncounterId = EncounterId,
        UserId = UserId,
        Context = Context,
        DraftMedications = DraftMedications,
        RequestedAt = receivedAt,
        Deadline = receivedAt + deadline,
    };
}

/// <summary>
/// The race between the pipeline finishing and the endpoint's hard deadline, settled once: after the pipeline
/// commits, its cards are recorded and sent; after the endpoint abandons, Epic gets no cards and the pipeline records
/// exactly that (and leaves any late result for the next hook).
/// </summary>
public sealed class AnswerGate
{
    private int _state; // 0 open, 1 committed, 2 abandoned

    /// <summary>True when the answer will be shown (now or already committed).</summary>
    public bool TryCommit() => Interlocked.CompareExchange(ref _state, 1, 0) != 2;

    /// <summary>True when the answer is given up (now or already); false once the pipeline has committed.</summary>
    public bool TryAbandon() => Interlocked.CompareExchange(ref _state, 2, 0) != 1;

    /// <summary>True once the endpoint has answered without cards (and said so in its log).</summary>
    public bool Abandoned => Volatile.Read(ref _state) == 2;
}

public sealed record HookAnswer(IReadOnlyList<Card> Cards, string Source, bool Replayed);

public static class EpicExtensionMapping
{
    /// <summary>The Epic extension block as the hook event records it.</summary>
    public static EpicExtension ToEvent(this Requests.EpicRequestExtension e) =>
        new(e.TriggerAction, e.TriggerActionMeaning, e.CriteriaId, e.EpicVersion, e.Other.Count == 0 ? null : e.Other);
}

/// <summary>
/// The synchronous hook path: record the call, ask the enrichment service over the bus within the service's
/// deadline, answer with what is ready (an empty list is a valid answer), record the answer.
/// </summary>
public sealed class HookPipeline(
    IDocumentStore store,
    IRequestClient<EvaluateHook> enrichment,
    IOptions<HookOptions> options,
    HookMetrics metrics,
    TimeProvider time,
    ILogger<HookPipeline> log)
{
    /// <param name="started">When the request arrived (<see cref="Stopwatch.GetTimestamp"/>): the deadline counts from there.</param>
    public async Task<HookAnswer> RunAsync(HookInvocation hook, long started, CancellationToken ct)
    {
        var receivedAt = time.GetUtcNow();
        var deadline = options.Value.DeadlineFor(hook.Service.Id);
        var serviceId = hook.Service.Id;

        var replay = await RecordReceivedAsync(hook, receivedAt, ct);
        if (replay is not null)
        {
            metrics.Replay(serviceId);
            return replay;
        }

        var request = hook.ToEvaluateHook(receivedAt, deadline);

        IReadOnlyList<Card> cards = [];
        var source = CardSources.Live;
        // What is left of the deadline, less the time the answer itself takes to record and send.
        var remaining = deadline - Stopwatch.GetElapsedTime(started) - options.Value.AnswerReserve;
        // The request is sent on its own clock, not the deadline's: a send cancelled by the deadline (a slow
        // publisher confirm, a cold connection, a broker restart) would lose the evaluation, and with it the late
        // result the patient's next hook should show. The deadline only bounds how long this hook waits.
        var evaluation = EvaluateAsync(request);
        try
        {
            if (remaining > TimeSpan.Zero)
            {
                await evaluation.WaitAsync(remaining, ct);
            }
            if (!evaluation.IsCompleted)
            {
                throw new TimeoutException();
            }
            cards = (await evaluation).Message.Cards;
        }
        catch (Exception ex) when (ex is TimeoutException or RequestTimeoutException || (ex is OperationCanceledException && !ct.IsCancellationRequested))
        {
            // (Cancelled without ct: the evaluation's own bound, Hooks:EvaluationSendTimeout, ended it first — a long
            // deadline or a stalled machine. Still only "no live cards": the answer must be recorded all the same.)
            source = CardSources.None;
            metrics.DeadlineMissed(serviceId, hook.Tenant);
            if (!hook.Gate.Abandoned)
            {
                // (Once the endpoint has answered at the hard deadline, its own warning already says this.)
                log.LogWarning("Hook {HookInstance} on {Service}: deadline of {Deadline} ms passed; answering without live cards",
                    hook.HookInstance, serviceId, deadline.TotalMilliseconds);
            }
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            // The broker or the enrichment service failed: the clinician still gets an answer in time.
            source = CardSources.None;
            metrics.DeadlineMissed(serviceId, hook.Tenant);
            log.LogError("Hook {HookInstance} on {Service}: enrichment unavailable ({Error}); answering without live cards",
                hook.HookInstance, serviceId, ex.GetType().Name);
        }

        // One session for the answer: the late result (if any) is taken and the answer recorded in one round trip.
        await using var session = store.LightweightSession(hook.Tenant);
        if (!hook.Gate.TryCommit())
        {
            // The endpoint answered Epic without cards at the hard deadline: record that, not what came too late.
            var spent = Stopwatch.GetElapsedTime(started).TotalMilliseconds;
            await RecordAnswerAsync(session, hook, new CardsReturned([], spent, true, time.GetUtcNow(), CardSources.None, serviceId), ct);
            return new HookAnswer([], CardSources.None, Replayed: false);
        }
        var late = await TakeLateResultAsync(session, hook, cards, ct);
        if (late.Count > 0)
        {
            cards = [.. cards, .. late];
            if (source != CardSources.Live)
            {
                source = CardSources.Cached;
            }
        }

        var elapsed = Stopwatch.GetElapsedTime(started).TotalMilliseconds;
        await RecordAnswerAsync(session, hook, new CardsReturned(cards, elapsed, source != CardSources.Live, time.GetUtcNow(), source, serviceId), ct);
        metrics.Answered(serviceId, hook.Tenant, source, elapsed);
        foreach (var card in cards)
        {
            metrics.Card(serviceId, card.Indicator);
        }
        return new HookAnswer(cards, source, Replayed: false);
    }

    /// <summary>
    /// Cards of an earlier hook for the same patient whose evaluation finished after that hook had answered: shown
    /// once (its deletion commits with the answer), within the configured freshness, with their provenance and age,
    /// unless the same advice is already here.
    /// </summary>
    private async Task<IReadOnlyList<Card>> TakeLateResultAsync(IDocumentSession session, HookInvocation hook, IReadOnlyList<Card> current,
        CancellationToken ct)
    {
        try
        {
            var late = await session.LoadAsync<LateResult>(hook.PatientId, ct);
            if (late is null || late.HookInstance == hook.HookInstance)
            {
                return [];
            }
            session.Delete(late);
            var age = time.GetUtcNow() - late.CompletedAt;
            if (age > options.Value.CachedResultFreshness)
            {
                return [];
            }
            var topics = current.Select(c => c.Source.Topic?.Code).ToHashSet();
            var note = $"_Evaluated {Age(age)} ago during {late.Hook}; that result came after {late.Hook} had answered._";
            return [.. late.Cards.Where(c => !topics.Contains(c.Source.Topic?.Code)).Select(c => c with
            {
                Detail = string.IsNullOrEmpty(c.Detail) ? note : c.Detail + "\n\n" + note,
            })];
        }
        catch (Exception ex) when (StoreFailures.IsUnavailable(ex))
        {
            metrics.StoreFailure(nameof(LateResult));
            return [];
        }
    }

    private static string Age(TimeSpan age) => age.TotalSeconds < 90 ? $"{Math.Max(1, (int)age.TotalSeconds)} s" : $"{(int)age.TotalMinutes} min";

    /// <summary>
    /// Sends the evaluation and waits for its result for at most <see cref="HookOptions.EvaluationSendTimeout"/>,
    /// whatever the hook's deadline. A hook that stops waiting leaves this running: the send completes (the message
    /// outlives the deadline, <see cref="HookOptions.EvaluationTimeToLive"/>) and its failure, if any, is logged.
    /// </summary>
    private Task<Response<HookEvaluated>> EvaluateAsync(EvaluateHook request)
    {
        var bound = options.Value.EvaluationSendTimeout;
        var sendCts = new CancellationTokenSource(bound);
        var task = enrichment.GetResponse<HookEvaluated>(request,
            x => x.TimeToLive = options.Value.EvaluationTimeToLive, sendCts.Token, RequestTimeout.After(ms: (int)bound.TotalMilliseconds));
        _ = task.ContinueWith(t =>
        {
            sendCts.Dispose();
            if (t.IsCanceled || t.Exception?.GetBaseException() is RequestTimeoutException)
            {
                // Not sent within the bound (broker unreachable: no late result), or sent and not answered within it
                // (the result is recorded when the evaluation completes). Which one, MassTransit's send log says.
                log.LogWarning("Evaluation of hook {HookInstance}: no response within Hooks:EvaluationSendTimeout ({Bound} s)",
                    request.HookInstance, bound.TotalSeconds);
            }
            else if (t.Exception?.GetBaseException() is { } error)
            {
                log.LogWarning("Evaluation of hook {HookInstance} not completed: {Error}", request.HookInstance, error.GetType().Name);
            }
        }, CancellationToken.None, TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
        return task;
    }

    /// <summary>
    /// Starts the hook's stream. A repeated hookInstance (Epic retries) returns the stored answer instead (null otherwise).
    /// The stream's existence is checked first in the same session (one primary-key read, ~0.3 ms locally) rather than
    /// provoked as a failed INSERT: a repeat is expected, not an error, and a failed command is an exception, an
    /// aborted statement and an Error line of Marten's. Two copies arriving at the same instant can still both pass the
    /// check; the second one's INSERT then collides and is answered from the store the same way.
    /// </summary>
    private async Task<HookAnswer?> RecordReceivedAsync(HookInvocation hook, DateTimeOffset receivedAt, CancellationToken ct)
    {
        var received = new HookReceived(hook.Tenant, hook.HookInstance, hook.Service.Hook, hook.Service.Id, hook.PatientId,
            hook.EncounterId, hook.UserId, receivedAt, hook.PrefetchKeys, hook.Epic, hook.Stripped, hook.ClientTenant);
        try
        {
            await using var session = store.LightweightSession(hook.Tenant);
            if (await session.Events.FetchStreamStateAsync(hook.HookInstance, ct) is not null)
            {
                return await ReplayAsync(session, hook, ct);
            }
            session.Events.StartStream(hook.HookInstance, hook.Prefetch is null ? [received] : [received, hook.Prefetch]);
            await session.SaveChangesAsync(ct);
            return null;
        }
        catch (ExistingStreamIdCollisionException)
        {
            await using var query = store.QuerySession(hook.Tenant);
            return await ReplayAsync(query, hook, ct);
        }
        catch (Exception ex) when (StoreFailures.IsUnavailable(ex))
        {
            metrics.StoreFailure(nameof(HookReceived));
            log.LogError("Hook {HookInstance}: event store unavailable ({Error}); answering unrecorded", hook.HookInstance, ex.GetType().Name);
            return null;
        }
    }

    private async Task<HookAnswer> ReplayAsync(IQuerySession session, HookInvocation hook, CancellationToken ct)
    {
        var timeline = await session.LoadAsync<HookTimeline>(hook.HookInstance, ct);
        log.LogInformation("Hook {HookInstance} on {Service} repeated: answering from the store", hook.HookInstance, hook.Service.Id);
        return new HookAnswer(timeline?.Cards ?? [], timeline?.CardSource ?? CardSources.None, Replayed: true);
    }

    private async Task RecordAnswerAsync(IDocumentSession session, HookInvocation hook, CardsReturned answer, CancellationToken ct)
    {
        try
        {
            if (answer.Source == CardSources.Live)
            {
                // A live answer follows the enrichment's own append (committed before it responded), and feedback
                // cannot come before the cards it is about: nobody else writes this stream now, so the hot path
                // skips the stream lock's extra round trip. Any other answer may race a late enrichment result.
                session.Events.Append(hook.HookInstance, answer);
            }
            else
            {
                await HookStreams.AppendAsync(session, hook.HookInstance, ct, answer);
            }
            await session.SaveChangesAsync(ct);
        }
        catch (Exception ex) when (StoreFailures.IsUnavailable(ex))
        {
            metrics.StoreFailure(nameof(CardsReturned));
            log.LogError("Hook {HookInstance}: could not record the answer ({Error})", hook.HookInstance, ex.GetType().Name);
        }
    }
}
