using System.Runtime.ExceptionServices;
using Cds.Contracts;
using Cds.Rules;
using Cds.Enrichment.Context;
using Cds.EventStore;
using Cds.EventStore.RuleOutcomes;
using Marten;
using MassTransit;
using Microsoft.Extensions.Options;
using Cds.Tenants;

namespace Cds.Enrichment.Consumers;

/// <summary>
/// Evaluates the clinical rules for one hook call and records the result in the hook's stream. Idempotent: a
/// redelivered request for a hookInstance that was already evaluated answers with the recorded result (the record is
/// one transaction: a failed attempt leaves nothing behind, so its retry appends once). A result that completes after
/// the hook's deadline is recorded as late; the hooks service serves it on the next hook.
/// <para>
/// A store that is unreachable or refuses the write (<see cref="StoreFailures.IsUnavailableOrRefusing"/>) does not
/// keep the cards from the waiting hook: it is answered unrecorded and counted. A late result has nobody waiting for
/// it and exists only as its record, so that one is left to the bus (retries, then the <c>_error</c> queue and
/// <c>errors redeliver</c>). Any other failure faults; the bus registration turns it into a
/// <see cref="PortableException"/> (as for every consumer), so the hook's request gets its fault instead of waiting out
/// its timeout.
/// </para>
/// </summary>
public sealed class EvaluateHookConsumer(TenantRuleSets tenantRules, IDocumentStore store, PatientContextCompletion contexts, TimeProvider time,
    EnrichmentMetrics metrics, IOptionsMonitor<ConfiguredTenants> tenants, ILogger<EvaluateHookConsumer> log) : IConsumer<EvaluateHook>
{
    public async Task Consume(ConsumeContext<EvaluateHook> context)
    {
        if (time.GetUtcNow() > context.Message.Deadline && context.GetRetryAttempt() == 0)
        {
            // Taken after its hook answered (a backlog): evaluated on the late queue, so leftovers never queue ahead of
            // live hooks. (A retry of work begun in time stays here: its fault still reaches the hook's request.)
            metrics.MovedLate(context.Message.Hook);
            await context.Publish(new EvaluateLateHook { Request = context.Message }, context.CancellationToken);
            return;
        }
        await context.RespondAsync(await EvaluateAsync(context.Message, context.CancellationToken));
    }

    /// <summary>Evaluates and records one hook (idempotent per hookInstance); the result, in time or late.</summary>
    public async Task<HookEvaluated> EvaluateAsync(EvaluateHook request, CancellationToken ct)
    {
        var started = time.GetTimestamp();

        await using var session = store.LightweightSession(request.Tenant);
        // Set when the store is unreachable or refuses: the rules then run on what the request carried.
        Exception? storeFailure = null;
        HookTimeline? timeline = null;
        try
        {
            timeline = await session.LoadAsync<HookTimeline>(request.HookInstance, ct);
        }
        catch (Exception ex) when (StoreFailures.IsUnavailableOrRefusing(ex))
        {
            storeFailure = ex;
        }
        if (timeline?.EnrichedAt is { } enrichedAt)
        {
            return new HookEvaluated
            {
                Tenant = request.Tenant,
                HookInstance = request.HookInstance,
                PatientId = request.PatientId,
                Cards = timeline.EnrichedCards,
                Findings = timeline.Findings,
                RuleVersions = timeline.RuleVersions,
                CompletedAt = enrichedAt,
            };
        }

        CompletedContext? completed = null;
        if (storeFailure is null)
        {
            try
            {
                completed = await contexts.CompleteAsync(session, request, ct);
            }
            catch (Exception ex) when (StoreFailures.IsUnavailableOrRefusing(ex))
            {
                storeFailure = ex; // (the warm context could not be read: the store went away since the first read)
            }
        }
        completed ??= new CompletedContext(request.Context, new PatientDataUsed(
            request.Context is { Gaps.Count: 0 } ? PatientDataSources.Prefetch : PatientDataSources.Unavailable,
            request.Context?.AsOf, null, Stale: false, "event store unavailable: no warm context, no backend read"));
        var rules = tenantRules.For(request.Tenant);
        var input = new RuleInput
        {
            Hook = request.Hook,
            Context = completed.Context,
            DraftMedications = request.DraftMedications,
            Now = time.GetUtcNow(),
            CardSeed = $"{request.Tenant}/{request.HookInstance}",
        };
        // Silent (shadow) mode and snooze after override: what the tenant's settings and a recent override keep from Epic
        // is recorded (CardsSilenced, CardsSnoozed), never answered.
        var decision = HookDecision.Decide(rules, input, request.Tenant, tenants.CurrentValue.AlertsOf(request.Tenant), request.ServiceId,
            request.Snoozes, outcomes => StaleDataNotice.Apply(outcomes, completed.Data));
        var unrecognised = decision.Unrecognised;
        metrics.Unrecognised(request.Tenant, unrecognised);
        metrics.Snoozed(request.Tenant, decision.Snooze);
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
            Cards = decision.Cards,
            Findings = decision.Findings,
            RuleVersions = rules.Versions,
            CompletedAt = completedAt,
        };

        var late = completedAt > request.Deadline;
        if (storeFailure is null)
        {
            try
            {
                var completedEvent = new EnrichmentCompleted(request.HookInstance, request.PatientId, result.Cards,
                    result.Findings, result.RuleVersions, completedAt, Late: late,
                    UnrecognisedMedications: [.. unrecognised.Select(u => u.ToString())], Data: completed.Data);
                await HookStreams.AppendAsync(session, request.HookInstance, ct, [.. new object?[]
                {
                    completedEvent,
                    CardsSilenced.Of(request.HookInstance, request.ServiceId, decision.Silent, completedAt),
                    CardsSnoozed.Of(request.HookInstance, request.ServiceId, decision.Snooze, completedAt),
                }.OfType<object>()]);
                await session.SaveChangesAsync(ct);
            }
            catch (Exception ex) when (StoreFailures.IsUnavailableOrRefusing(ex))
            {
                storeFailure = ex;
            }
        }
        if (storeFailure is not null)
        {
            var error = StoreFailures.Describe(storeFailure);
            if (late)
            {
                // Nobody waits for this answer: its record is the result (the patient's next hook shows it). Fault, so
                // the bus retries it and then parks it in the _error queue for `errors redeliver`.
                log.LogWarning("Event store unavailable ({Error}); late result of hook {HookInstance} left to the bus to retry",
                    error, request.HookInstance);
                ExceptionDispatchInfo.Throw(storeFailure);
            }
            // The hook is waiting for its cards (Epic's safety cards in time come first): answered, not recorded.
            metrics.StoreUnavailable();
            log.LogWarning("Event store unavailable ({Error}); hook {HookInstance} evaluated and answered unrecorded", error, request.HookInstance);
        }
        metrics.Evaluated(request.Hook, request.Tenant, time.GetElapsedTime(started).TotalMilliseconds, result.Cards.Count);
        return result;
    }
}
