using Cds.Contracts;
using Cds.EventStore;
using Cds.EventStore.Bulk;
using Cds.EventStore.RuleOutcomes;
using Cds.Hooks.HookServices;
using Cds.Hooks.Prefetch;
using Cds.Hooks.Requests;
using Cds.Hooks.Security;
using Cds.Rules;
using Marten;
using Microsoft.Extensions.Options;

namespace Cds.Hooks;

/// <summary>
/// The hook path, top to bottom: read and validate the call → fetch what prefetch lacks with the hook's own token
/// (within the prefetch budget) → decide in this process with the rules (<c>shared/Cds.Rules</c>) when the data is
/// complete, or ask enrichment over the bus (it reads with the backend token) within the evaluation wait → take a late
/// result of the patient's earlier hook → record the hook in one group-committed append → answer. At the hard stop
/// Epic is answered without cards whatever is still pending (an empty list is a valid answer), and the pipeline
/// records exactly that. A singleton.
/// </summary>
public sealed class HookPipeline(
    CdsServiceCatalog catalog,
    PrefetchFetcher fetcher,
    TenantRuleSets tenantRules,
    HookRecorder recorder,
    IJtiLocalReplayCheck localReplay,
    IDocumentStore store,
    PatientStateReader patients,
    LocalEvaluation local,
    BusEvaluation bus,
    IOptions<HookOptions> options,
    IOptions<HookRequestReaderOptions> readerOptions,
    HookRequestMetrics requestMetrics,
    HookMetrics metrics,
    IHostApplicationLifetime lifetime,
    TimeProvider time,
    ILogger<HookPipeline> log)
{
    private sealed record Answer(IReadOnlyList<Card> Cards, string Source, bool JtiReplayed = false);

    public async Task<IResult> InvokeAsync(string id, HttpContext http, CancellationToken ct)
    {
        var arrivedAt = http.ArrivedAt();
        if (catalog.Find(id) is not { } service)
        {
            return OperationOutcomes.Problem(StatusCodes.Status404NotFound, [("id", $"No CDS service '{id}' here; GET /cds-services lists them.")]);
        }
        if (!HookRequestReader.IsJsonContentType(http.Request.ContentType))
        {
            return OperationOutcomes.Problem(StatusCodes.Status415UnsupportedMediaType, [("$", "Send the hook request as application/json.")]);
        }

        // 1. Read and validate.
        var tenant = http.GetTenant()!;
        var (read, stalled) = await HookTransport.ReadBodyAsync(http,
            t => HookRequestReader.ReadAsync(http.Request.Body, service.Hook, readerOptions.Value, t), ct);
        if (read is null)
        {
            return stalled!;
        }
        requestMetrics.Record(service.Hook, read, service.Id);
        if (read.Stripped.IsStripped)
        {
            metrics.Stripped(tenant);
            log.LogWarning("Tenant {Tenant}: stripped request on {Service} ({Reason}): the URL Epic calls does not match the registered endpoint",
                tenant, service.Id, read.Stripped.Reason);
        }
        if (!read.Succeeded)
        {
            if (read.IsDraftOrdersConfigurationFault)
            {
                log.LogWarning("Tenant {Tenant}: {Service} called without draftOrders: the Epic client lacks the unsigned-order scopes", tenant, service.Id);
            }
            return read.ToProblemResult();
        }
        var request = read.Request!;
        var budget = HookBudget.From(arrivedAt, options.Value.DeadlineFor(service.Id), options.Value.AnswerReserve);

        // 2. Fetch what prefetch lacks with the hook's own token, within the prefetch budget.
        var fetched = await fetcher.FetchMissingAsync(tenant, service, request, budget.PrefetchLeft, ct);
        var unobtainable = options.Value.RequiredPrefetchFor(service.Id)
            .Where(k => request.Prefetch.StateOf(k) == PrefetchState.Missing && fetched.Fetched.StateOf(k) == PrefetchState.Missing).ToList();
        if (unobtainable.Count > 0)
        {
            return OperationOutcomes.Problem(StatusCodes.Status412PreconditionFailed, unobtainable.Select(k => (
                $"prefetch.{k}",
                $"Prefetch '{k}' ({service.Prefetch.GetValueOrDefault(k)}) is required and was neither sent nor obtainable from fhirServer.")));
        }
        var (context, resolved) = PrefetchContext.Build(request.ContextData.PatientId, request.Prefetch, fetched.Fetched, fetched.Failed,
            service.Prefetch, time.GetUtcNow());
        var hook = HookInvocation.From(request, tenant, service, context, resolved, read.Stripped.IsStripped)
            with { ClientTenant = http.GetEpicHookCaller()?.ClientTenant, Jti = JtiOf(http) };

        // 3–5. Decide, record, answer — on the application's clock, not the request's: if the hard stop answers Epic
        // first, the pipeline still records the hook and its (abandoned) answer.
        var gate = new AnswerGate();
        var run = DecideAndRecordAsync(hook, budget, gate, lifetime.ApplicationStopping);
        try
        {
            var answer = await run.WaitAsync(budget.HardStopLeft, ct);
            return answer.JtiReplayed ? EpicJwtAuthenticationHandler.RefuseReplay(http, tenant) : Respond(answer.Cards);
        }
        catch (TimeoutException) when (gate.TryAbandon())
        {
            metrics.HardDeadline(service.Id, tenant);
            log.LogWarning("Hook {HookInstance} on {Service}: hard deadline of {Deadline} ms reached before the answer was ready; answered without cards",
                hook.HookInstance, service.Id, budget.Deadline.TotalMilliseconds);
            _ = run.ContinueWith(t => log.LogWarning("Hook {HookInstance}: recording after the hard deadline did not complete ({Error})",
                hook.HookInstance, t.IsCanceled ? "canceled: the service is stopping" : t.Exception!.GetBaseException().GetType().Name),
                CancellationToken.None, TaskContinuationOptions.NotOnRanToCompletion, TaskScheduler.Default);
            return CdsHookResponse.From([]).ToResult();
        }
        catch (TimeoutException)
        {
            return Respond((await run).Cards); // committed just before the hard stop: being recorded
        }

        // Each card links to the SMART app that explains it (added after recording: the store keeps the rules' cards).
        IResult Respond(IReadOnlyList<Card> cards) => CdsHookResponse.From(SmartLinks.Attach(cards, http, tenant, hook.HookInstance)).ToResult();
    }

    /// <summary>The JWT id and its expiry from the verified token's claims (<see cref="JtiCheckedOnRecord"/>).</summary>
    private static HookRecorder.HookJti? JtiOf(HttpContext http) =>
        http.User.FindFirst("jti")?.Value is { Length: > 0 } jti
        && long.TryParse(http.User.FindFirst(EpicTokenValidator.JtiExpiresClaim)?.Value, System.Globalization.CultureInfo.InvariantCulture, out var ms)
            ? new HookRecorder.HookJti(jti, DateTimeOffset.FromUnixTimeMilliseconds(ms))
            : null;

    private async Task<Answer> DecideAndRecordAsync(HookInvocation hook, HookBudget budget, AnswerGate gate, CancellationToken ct)
    {
        var receivedAt = time.GetUtcNow();
        var serviceId = hook.Service.Id;
        var received = hook.ToReceived(receivedAt);
        IReadOnlyList<object> start = hook.Prefetch is null ? [received] : [received, hook.Prefetch];

        // 3. Decide: here when the data is complete — what the request carried, filled by the context enrichment
        // precomputed at patient-view —; over the bus only when the backend token must read what is still missing.
        var (lateResult, warm, population, snoozes) = await patients.ReadAsync(hook, ct);
        var (context, data) = patients.Complete(hook.Context, warm);
        Evaluation? evaluation;
        var viaBus = context is not { Gaps.Count: 0 };
        if (!viaBus)
        {
            evaluation = local.Decide(hook, context!, data, snoozes);
        }
        else
        {
            // Enrichment appends its result to the hook's stream: the stream starts first (its own group commit).
            switch (await RecordNewAsync(hook, start, null))
            {
                case RecordOutcome.AlreadyRecorded:
                    return await ReplayAsync(hook);
                case RecordOutcome.Replay:
                    return new Answer([], CardSources.None, JtiReplayed: true);
            }
            start = [];
            metrics.EnrichmentRequest(serviceId, hook.Context is null ? "no-context" : "data-missing");
            var busCards = await bus.EvaluateAsync(hook, receivedAt, budget, gate, snoozes);
            evaluation = busCards is null ? null : new Evaluation(busCards, null, null, null);
        }

        // 4. The answer: decided here, or abandoned at the hard stop (then Epic got no cards, and that is recorded).
        if (!gate.TryCommit())
        {
            var none = hook.ToReturned([], budget.Elapsed.TotalMilliseconds, time.GetUtcNow(), CardSources.None);
            await RecordAsync(hook, [.. start, .. evaluation?.Events ?? [], none], null, viaBus, ct);
            return new Answer([], CardSources.None);
        }
        var source = evaluation is null ? CardSources.None : CardSources.Live;
        var cards = evaluation?.Cards ?? [];
        var late = LateResults.Take(hook, lateResult, cards, time.GetUtcNow(), options.Value.CachedResultFreshness);
        var held = new List<(RuleOutcome, OverrideSnooze)>();
        var lateCards = NotSnoozed(hook, late.Cards.Select(c => (c, lateResult?.Findings.Find(f => f.CardUuid == c.Uuid))), snoozes, held);
        if (lateCards.Count > 0)
        {
            cards = [.. cards, .. lateCards];
            source = source == CardSources.Live ? source : CardSources.Cached;
        }
        if (evaluation is null && PrecomputedGapAnswer.From(population, time.GetUtcNow(), tenantRules.For(hook.Tenant).Has) is { } precomputed)
        {
            // No live decision in time: the population run's gaps for this patient, each card saying how old it is.
            var gaps = NotSnoozed(hook, precomputed.Answer(() => Guid.NewGuid().ToString()).Select(a => (a.Card, (Finding?)a.Finding)), snoozes, held);
            cards = [.. cards, .. LateResults.NotAlreadyShown(gaps, cards)];
            source = cards.Count > 0 ? CardSources.Cached : source;
        }

        // 5. Record before answering: one append per hook (HookReceived … CardsReturned), group-committed.
        var elapsed = budget.Elapsed.TotalMilliseconds;
        var returned = hook.ToReturned(cards, elapsed, time.GetUtcNow(), source);
        var heldBack = CardsSnoozed.Of(hook.HookInstance, serviceId, new([], held), time.GetUtcNow());
        switch (await RecordAsync(hook, [.. start, .. evaluation?.Events ?? [], .. heldBack is null ? [] : new object[] { heldBack }, returned],
            late.Taken, viaBus, ct))
        {
            case RecordOutcome.AlreadyRecorded:
                return await ReplayAsync(hook);
            case RecordOutcome.Replay:
                return new Answer([], CardSources.None, JtiReplayed: true);
        }
        metrics.Answered(serviceId, hook.Tenant, source, elapsed);
        foreach (var card in cards)
        {
            metrics.Card(serviceId, card.Indicator);
        }
        return new Answer(cards, source);
    }

    /// <summary>
    /// The hook's one append. Decided here: the whole stream, group-committed. Over the bus: the stream has started
    /// and enrichment may be appending its result, so the answer takes the stream's lock (<see cref="HookStreams"/>).
    /// </summary>
    private async Task<RecordOutcome> RecordAsync(HookInvocation hook, IReadOnlyList<object> events, LateResult? late, bool viaBus,
        CancellationToken ct)
    {
        if (!viaBus)
        {
            return await RecordNewAsync(hook, events, late);
        }
        try
        {
            await using var session = store.LightweightSession(hook.Tenant);
            await HookStreams.AppendAsync(session, hook.HookInstance, ct, [.. events]);
            if (late is not null)
            {
                session.Delete(late);
            }
            await session.SaveChangesAsync(ct);
            return RecordOutcome.Recorded;
        }
        catch (Exception ex) when (StoreFailures.IsUnavailable(ex))
        {
            metrics.StoreFailure(nameof(CardsReturned));
            log.LogError("Hook {HookInstance}: could not record the answer ({Error})", hook.HookInstance, ex.GetType().Name);
            return RecordOutcome.Failed;
        }
    }

    /// <summary>
    /// The hook's stream, started in the next group commit with its jti. When that fails (the store is down) the hook
    /// answers unrecorded and its jti is checked on this instance only, as the JWT check does while the store is down.
    /// </summary>
    private async Task<RecordOutcome> RecordNewAsync(HookInvocation hook, IReadOnlyList<object> events, LateResult? late)
    {
        var outcome = await recorder.RecordAsync(new(hook.Tenant, hook.HookInstance, events, late, hook.Jti));
        if (outcome == RecordOutcome.Failed && hook.Jti is { } jti && !localReplay.RegisterLocally(hook.Tenant, jti.Value, jti.ExpiresAt))
        {
            return RecordOutcome.Replay;
        }
        return outcome;
    }

    /// <summary>
    /// The cards decided before this hook, less those an override still snoozes (added to <paramref name="held"/>, to be
    /// recorded as <see cref="CardsSnoozed"/>); a card without its finding is kept.
    /// </summary>
    private List<Card> NotSnoozed(HookInvocation hook, IEnumerable<(Card Card, Finding? Finding)> decided, IReadOnlyList<OverrideSnooze> snoozes,
        List<(RuleOutcome, OverrideSnooze)> held)
    {
        var cards = decided.ToList();
        var split = local.HoldBack(hook.Tenant, [.. cards.Where(c => c.Finding is not null).Select(c => new RuleOutcome(c.Card, c.Finding!))], snoozes);
        held.AddRange(split.Snoozed);
        var heldUuids = split.Snoozed.Select(s => s.Outcome.Card.Uuid).ToHashSet(StringComparer.Ordinal);
        return [.. cards.Where(c => !heldUuids.Contains(c.Card.Uuid)).Select(c => c.Card)];
    }

    /// <summary>A repeated hookInstance (Epic retries): the stored answer, not a second evaluation.</summary>
    private async Task<Answer> ReplayAsync(HookInvocation hook)
    {
        metrics.Replay(hook.Service.Id);
        await using var session = store.QuerySession(hook.Tenant);
        var timeline = await session.LoadAsync<HookTimeline>(hook.HookInstance);
        log.LogInformation("Hook {HookInstance} on {Service} repeated: answering from the store", hook.HookInstance, hook.Service.Id);
        return new Answer(timeline?.Cards ?? [], timeline?.CardSource ?? CardSources.None);
    }
}
