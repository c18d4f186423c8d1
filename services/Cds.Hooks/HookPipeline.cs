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
using MassTransit;
using Microsoft.Extensions.Options;
using Cds.Tenants;

namespace Cds.Hooks;

/// <summary>
/// The hook path, top to bottom: read and validate the call → fetch what prefetch lacks with the hook's own token
/// (within the prefetch budget) → decide in this process with the rules (<c>shared/Cds.Rules</c>) when the data is
/// complete, or ask enrichment over the bus (it reads with the backend token) within the evaluation wait → take a late
/// result of the patient's earlier hook → record the hook in one group-committed append → answer. At the hard stop
/// Epic is answered without cards whatever is still pending (an empty list is a valid answer), and the pipeline
/// records exactly that. A singleton: each call makes its own scope for the bus client.
/// </summary>
public sealed class HookPipeline(
    CdsServiceCatalog catalog,
    PrefetchFetcher fetcher,
    TenantRuleSets tenantRules,
    HookRecorder recorder,
    IJtiLocalReplayCheck localReplay,
    IDocumentStore store,
    IServiceScopeFactory scopes,
    IOptions<HookOptions> options,
    IOptions<HookRequestReaderOptions> readerOptions,
    IOptionsMonitor<ConfiguredTenants> tenants,
    HookRequestMetrics requestMetrics,
    HookMetrics metrics,
    IHostApplicationLifetime lifetime,
    TimeProvider time,
    ILogger<HookPipeline> log)
{
    private sealed record Answer(IReadOnlyList<Card> Cards, string Source, bool JtiReplayed = false);

    /// <summary>Evaluated in this process, or by enrichment over the bus; null: nothing in time.</summary>
    private sealed record Evaluation(IReadOnlyList<Card> Cards, EnrichmentCompleted? Completed, CardsSilenced? Silenced);

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
        var (lateResult, warm, population) = await ReadPatientStateAsync(hook, ct);
        var (context, data) = Complete(hook.Context, warm);
        Evaluation? evaluation;
        var viaBus = context is not { Gaps.Count: 0 };
        if (!viaBus)
        {
            evaluation = DecideHere(hook, context!, data);
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
            evaluation = await EvaluateOverTheBusAsync(hook, receivedAt, budget, gate);
        }

        // 4. The answer: decided here, or abandoned at the hard stop (then Epic got no cards, and that is recorded).
        if (!gate.TryCommit())
        {
            var none = hook.ToReturned([], budget.Elapsed.TotalMilliseconds, time.GetUtcNow(), CardSources.None);
            await RecordAsync(hook, [.. start, .. Completed(evaluation), none], null, viaBus, ct);
            return new Answer([], CardSources.None);
        }
        var source = evaluation is null ? CardSources.None : CardSources.Live;
        var cards = evaluation?.Cards ?? [];
        var late = TakeLateResult(hook, lateResult, cards);
        if (late.Cards.Count > 0)
        {
            cards = [.. cards, .. late.Cards];
            source = source == CardSources.Live ? source : CardSources.Cached;
        }
        if (evaluation is null && PrecomputedGapAnswer.From(population, time.GetUtcNow(), tenantRules.For(hook.Tenant).Has) is { } precomputed)
        {
            // No live decision in time: the population run's gaps for this patient, each card saying how old it is.
            cards = [.. cards, .. NotAlreadyShown(precomputed.Cards(() => Guid.NewGuid().ToString()), cards)];
            source = cards.Count > 0 ? CardSources.Cached : source;
        }

        // 5. Record before answering: one append per hook (HookReceived … CardsReturned), group-committed.
        var elapsed = budget.Elapsed.TotalMilliseconds;
        var returned = hook.ToReturned(cards, elapsed, time.GetUtcNow(), source);
        switch (await RecordAsync(hook, [.. start, .. Completed(evaluation), returned], late.Taken, viaBus, ct))
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

    /// <summary>The rules on what the request carried (prefetch, draftOrders, hook-token reads); silent mode applied.</summary>
    private Evaluation DecideHere(HookInvocation hook, PatientContext context, PatientDataUsed data)
    {
        var rules = tenantRules.For(hook.Tenant);
        var input = new RuleInput
        {
            Hook = hook.Service.Hook,
            Context = context,
            DraftMedications = hook.DraftMedications,
            Now = time.GetUtcNow(),
            CardSeed = $"{hook.Tenant}/{hook.HookInstance}",
        };
        var decision = HookDecision.Decide(rules, input, hook.Tenant, tenants.CurrentValue.AlertsOf(hook.Tenant), hook.Service.Id);
        metrics.Unrecognised(hook.Tenant, decision.Unrecognised);
        var at = time.GetUtcNow();
        var completed = new EnrichmentCompleted(hook.HookInstance, hook.PatientId, decision.Cards, decision.Findings, rules.Versions, at,
            Late: false, UnrecognisedMedications: [.. decision.Unrecognised.Select(u => u.ToString())],
            Data: data);
        var silenced = decision.Silent.Silenced.Count == 0 ? null : new CardsSilenced(hook.HookInstance, hook.Service.Id,
            [.. decision.Silent.Silenced.Select(o => o.Card)], [.. decision.Silent.Silenced.Select(o => o.Finding)], decision.Silent.Settings, at);
        return new Evaluation(decision.Cards, completed, silenced);
    }

    private static IEnumerable<object> Completed(Evaluation? evaluation) => evaluation is null
        ? []
        : new object?[] { evaluation.Completed, evaluation.Silenced }.OfType<object>();

    /// <summary>
    /// Asks enrichment and waits until the evaluation wait ends. The request is sent on its own clock, not the deadline's:
    /// a send cancelled by the deadline (a slow publisher confirm, a broker restart) would lose the evaluation, and with
    /// it the late result the patient's next hook should show. Enrichment records its own result (in time or late).
    /// </summary>
    private async Task<Evaluation?> EvaluateOverTheBusAsync(HookInvocation hook, DateTimeOffset receivedAt, HookBudget budget, AnswerGate gate)
    {
        var evaluation = SendEvaluationAsync(hook.ToEvaluateHook(receivedAt, budget.Deadline));
        try
        {
            var response = await evaluation.WaitAsync(budget.EvaluationLeft);
            return new Evaluation(response.Message.Cards, null, null);
        }
        catch (Exception ex) when (ex is TimeoutException or RequestTimeoutException or OperationCanceledException)
        {
            // (Cancelled: the evaluation's own bound, Hooks:EvaluationSendTimeout, ended it first — a long deadline or a
            // stalled machine. Still only "no live cards": the answer must be recorded all the same.)
            metrics.DeadlineMissed(hook.Service.Id, hook.Tenant);
            if (!gate.Abandoned)
            {
                log.LogWarning("Hook {HookInstance} on {Service}: deadline of {Deadline} ms passed; answering without live cards",
                    hook.HookInstance, hook.Service.Id, budget.Deadline.TotalMilliseconds);
            }
        }
        catch (Exception ex)
        {
            // The broker or the enrichment service failed: the clinician still gets an answer in time.
            metrics.DeadlineMissed(hook.Service.Id, hook.Tenant);
            log.LogError("Hook {HookInstance} on {Service}: enrichment unavailable ({Error}); answering without live cards",
                hook.HookInstance, hook.Service.Id, ex.GetType().Name);
        }
        return null;
    }

    /// <summary>
    /// Sends the evaluation and waits for its result for at most <see cref="HookOptions.EvaluationSendTimeout"/>,
    /// whatever the hook's deadline. A hook that stops waiting leaves this running: the send completes (the message
    /// outlives the deadline, <see cref="HookOptions.EvaluationTimeToLive"/>) and its failure, if any, is logged.
    /// </summary>
    private async Task<Response<HookEvaluated>> SendEvaluationAsync(EvaluateHook request)
    {
        var bound = options.Value.EvaluationSendTimeout;
        using var scope = scopes.CreateScope();
        using var sendCts = new CancellationTokenSource(bound);
        try
        {
            return await scope.ServiceProvider.GetRequiredService<IRequestClient<EvaluateHook>>().GetResponse<HookEvaluated>(request,
                x => x.TimeToLive = options.Value.EvaluationTimeToLive, sendCts.Token, RequestTimeout.After(ms: (int)bound.TotalMilliseconds));
        }
        catch (Exception ex) when (ex is OperationCanceledException or RequestTimeoutException)
        {
            // Not sent within the bound (broker unreachable: no late result), or sent and not answered within it (the
            // result is recorded when the evaluation completes). Which one, MassTransit's send log says.
            log.LogWarning("Evaluation of hook {HookInstance}: no response within Hooks:EvaluationSendTimeout ({Bound} s)",
                request.HookInstance, bound.TotalSeconds);
            throw;
        }
        catch (Exception ex)
        {
            log.LogWarning("Evaluation of hook {HookInstance} not completed: {Error}", request.HookInstance, ex.GetType().Name);
            throw;
        }
    }

    /// <summary>
    /// One read for what the store knows about the patient: a late result of an earlier hook, and (when the prefetch
    /// has gaps) the context enrichment precomputed and, on patient-view, the population run's gaps (answered when no
    /// live decision comes in time). An unavailable store leaves all of them unknown.
    /// </summary>
    private async Task<(LateResult? Late, WarmPatientContext? Warm, PatientPopulationGaps? Population)> ReadPatientStateAsync(
        HookInvocation hook, CancellationToken ct)
    {
        try
        {
            await using var session = store.QuerySession(hook.Tenant);
            var batch = session.CreateBatchQuery();
            var late = batch.Load<LateResult>(hook.PatientId);
            var complete = hook.Context is { Gaps.Count: 0 };
            var warm = complete ? Task.FromResult<WarmPatientContext?>(null) : batch.Load<WarmPatientContext>(hook.PatientId);
            var population = complete || hook.Service.Hook != HookNames.PatientView
                ? Task.FromResult<PatientPopulationGaps?>(null)
                : batch.Load<PatientPopulationGaps>(hook.PatientId);
            await batch.Execute(ct);
            return (await late, await warm, await population);
        }
        catch (Exception ex) when (StoreFailures.IsUnavailable(ex))
        {
            metrics.StoreFailure(nameof(LateResult));
            return (null, null, null);
        }
    }

    /// <summary>The request's context, its gaps filled from a precomputed context young enough (<see cref="HookOptions.WarmContextMaxAge"/>).</summary>
    private (PatientContext? Context, PatientDataUsed Data) Complete(PatientContext? given, WarmPatientContext? warm)
    {
        var now = time.GetUtcNow();
        if (given is { Gaps.Count: > 0 } && warm is not null && now - warm.ReadAt <= options.Value.WarmContextMaxAge)
        {
            var merged = PatientContextMerge.Merge(given, warm.Context);
            if (merged is { Gaps.Count: 0 })
            {
                return (merged, new PatientDataUsed(PatientDataSources.Warm, warm.ReadAt, Math.Max(0, (now - warm.ReadAt).TotalSeconds), Stale: false));
            }
        }
        var asOf = given?.AsOf ?? now;
        return (given, new PatientDataUsed(PatientDataSources.Prefetch, asOf, Math.Max(0, (now - asOf).TotalSeconds), Stale: false));
    }

    /// <summary>
    /// Cards of an earlier hook for the same patient whose evaluation finished after that hook had answered: shown
    /// once (its deletion commits with the answer), within the configured freshness, with their provenance and age,
    /// unless the same advice is already here.
    /// </summary>
    private (IReadOnlyList<Card> Cards, LateResult? Taken) TakeLateResult(HookInvocation hook, LateResult? late, IReadOnlyList<Card> current)
    {
        if (late is null || late.HookInstance == hook.HookInstance)
        {
            return ([], null);
        }
        var age = time.GetUtcNow() - late.CompletedAt;
        if (age > options.Value.CachedResultFreshness)
        {
            return ([], late);
        }
        var note = $"_Evaluated {Age(age)} ago during {late.Hook}; that result came after {late.Hook} had answered._";
        return ([.. NotAlreadyShown(late.Cards, current).Select(c => c with
        {
            Detail = string.IsNullOrEmpty(c.Detail) ? note : c.Detail + "\n\n" + note,
        })], late);
    }

    /// <summary>The cards of <paramref name="extra"/> whose topic the answer does not carry yet (the same advice once).</summary>
    private static IEnumerable<Card> NotAlreadyShown(IEnumerable<Card> extra, IReadOnlyList<Card> current)
    {
        var topics = current.Select(c => c.Source.Topic?.Code).ToHashSet();
        return extra.Where(c => !topics.Contains(c.Source.Topic?.Code));
    }

    private static string Age(TimeSpan age) => age.TotalSeconds < 90 ? $"{Math.Max(1, (int)age.TotalSeconds)} s" : $"{(int)age.TotalMinutes} min";

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

    /// <summary>A repeated hookInstance (Epic retries): the stored answer, not a second evaluation.</summary>
    private async Task<Answer> ReplayAsync(HookInvocation hook)
    {
        metrics.Replay(hook.Service.Id);
        await using var session = store.QuerySession(hook.Tenant);
        var timeline = await session.LoadAsync<HookTimeline>(hook.HookInstance);
        log.LogInformation("Hook {HookInstance} on {Service} repeated: answering from the store", hook.HookInstance, hook.Service.Id);
        return new Answer(timeline?.Cards ?? [], timeline?.CardSource ?? CardSources.None);
    }

    /// <summary>
    /// The race between the pipeline finishing and the hard stop, settled once: after the pipeline commits, its cards
    /// are recorded and sent; after the hard stop abandons, Epic gets no cards and the pipeline records exactly that
    /// (and leaves any late result for the next hook).
    /// </summary>
    internal sealed class AnswerGate
    {
        private int _state; // 0 open, 1 committed, 2 abandoned

        /// <summary>True when the answer will be shown (now or already committed).</summary>
        public bool TryCommit() => Interlocked.CompareExchange(ref _state, 1, 0) != 2;

        /// <summary>True when the answer is given up (now or already); false once the pipeline has committed.</summary>
        public bool TryAbandon() => Interlocked.CompareExchange(ref _state, 2, 0) != 1;

        /// <summary>True once the hard stop has answered without cards (and said so in its log).</summary>
        public bool Abandoned => Volatile.Read(ref _state) == 2;
    }
}
