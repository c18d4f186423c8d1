using Cds.Contracts;
using Cds.Enrichment.Alerts;
using Cds.Enrichment.Context;
using Cds.Enrichment.Rules;
using Cds.EventStore;
using Cds.EventStore.RuleOutcomes;
using Marten;
using MassTransit;
using Microsoft.Extensions.Options;

namespace Cds.Enrichment.Consumers;

/// <summary>
/// Evaluates the clinical rules for one hook call and records the result in the hook's stream. Idempotent: a
/// redelivered request for a hookInstance that was already evaluated answers with the recorded result. A result that
/// completes after the hook's deadline is recorded as late; the hooks service serves it on the next hook.
/// </summary>
public sealed class EvaluateHookConsumer(RuleSet rules, IDocumentStore store, PatientContextCompletion contexts, TimeProvider time,
    EnrichmentMetrics metrics, IOptionsMonitor<AlertsOptions> alerts, ILogger<EvaluateHookConsumer> log) : IConsumer<EvaluateHook>
{
    public async Task Consume(ConsumeContext<EvaluateHook> context)
    {
        var request = context.Message;
        var ct = context.CancellationToken;
        var started = time.GetTimestamp();

        await using var session = store.LightweightSession(request.Tenant);
        var storeUp = true;
        HookTimeline? timeline = null;
        try
        {
            timeline = await session.LoadAsync<HookTimeline>(request.HookInstance, ct);
        }
        catch (Exception ex) when (StoreFailures.IsUnavailable(ex))
        {
            // The clinician still gets cards: evaluated from what the request carried, answered, not recorded.
            storeUp = false;
            metrics.StoreUnavailable();
            log.LogWarning("Event store unavailable ({Error}); hook {HookInstance} evaluated from its request and answered unrecorded",
                ex.GetType().Name, request.HookInstance);
        }
        if (timeline?.EnrichedAt is { } enrichedAt)
        {
            await context.RespondAsync(new HookEvaluated
            {
                Tenant = request.Tenant,
                HookInstance = request.HookInstance,
                PatientId = request.PatientId,
                Cards = timeline.EnrichedCards,
                Findings = timeline.Findings,
                RuleVersions = timeline.RuleVersions,
                CompletedAt = enrichedAt,
            });
            return;
        }

        var completed = storeUp
            ? await contexts.CompleteAsync(session, request, ct)
            : new CompletedContext(request.Context, new PatientDataUsed(
                request.Context is { Gaps.Count: 0 } ? PatientDataSources.Prefetch : PatientDataSources.Unavailable,
                request.Context?.AsOf, null, Stale: false, "event store unavailable: no warm context, no backend read"));
        var input = new RuleInput
        {
            Hook = request.Hook,
            Context = completed.Context,
            DraftMedications = request.DraftMedications,
            Now = time.GetUtcNow(),
            CardSeed = $"{request.Tenant}/{request.HookInstance}",
        };
        // Silent (shadow) mode: what the tenant's settings keep from Epic is recorded as CardsSilenced, never answered.
        var split = SilentMode.Apply(request.Tenant, alerts.CurrentValue.For(request.Tenant), request.ServiceId,
            StaleDataNotice.Apply(RuleEngine.Evaluate(rules, input), completed.Data));
        var outcomes = split.Live;
        var unrecognised = UnrecognisedMedications.Find(rules, input);
        metrics.Unrecognised(request.Tenant, unrecognised);
        if (completed.Data.Stale)
        {
            metrics.StaleData(request.Tenant, request.Hook);
        }
        var completedAt = time.GetUtcNow();
        var result = new HookEvaluated
        {
            Tenant = request.Tenant,
            HookInstance = request.HookInstance,
            PatientId = request.PatientId,
            Cards = [.. outcomes.Select(o => o.Card)],
            Findings = [.. outcomes.Select(o => o.Finding)],
            RuleVersions = rules.Versions,
            CompletedAt = completedAt,
        };

        if (storeUp)
        {
            var completedEvent = new EnrichmentCompleted(request.HookInstance, request.PatientId, result.Cards,
                result.Findings, result.RuleVersions, completedAt, Late: completedAt > request.Deadline,
                UnrecognisedMedications: [.. unrecognised.Select(u => u.ToString())], Data: completed.Data);
            await HookStreams.AppendAsync(session, request.HookInstance, ct, split.Silenced.Count == 0
                ? [completedEvent]
                : [completedEvent, new CardsSilenced(request.HookInstance, request.ServiceId, [.. split.Silenced.Select(o => o.Card)],
                    [.. split.Silenced.Select(o => o.Finding)], split.Settings, completedAt)]);
            await session.SaveChangesAsync(ct);
        }
        metrics.Evaluated(request.Hook, request.Tenant, time.GetElapsedTime(started).TotalMilliseconds, result.Cards.Count);

        await context.RespondAsync(result);
    }
}
