using Cds.Contracts;
using Cds.Enrichment.Rules;
using Cds.EventStore;
using Marten;
using MassTransit;

namespace Cds.Enrichment.Consumers;

/// <summary>
/// Evaluates the clinical rules for one hook call and records the result in the hook's stream. Idempotent: a
/// redelivered request for a hookInstance that was already evaluated answers with the recorded result.
/// </summary>
public sealed class EvaluateHookConsumer(RuleSet rules, IDocumentStore store, TimeProvider time, EnrichmentMetrics metrics)
    : IConsumer<EvaluateHook>
{
    public async Task Consume(ConsumeContext<EvaluateHook> context)
    {
        var request = context.Message;
        var started = time.GetTimestamp();

        await using var session = store.LightweightSession(request.Tenant);
        var timeline = await session.LoadAsync<HookTimeline>(request.HookInstance, context.CancellationToken);
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

        var outcomes = RuleEngine.Evaluate(rules, new RuleInput
        {
            Hook = request.Hook,
            Context = request.Context,
            DraftMedications = request.DraftMedications,
            Now = time.GetUtcNow(),
            CardSeed = $"{request.Tenant}/{request.HookInstance}",
        });
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

        session.Events.Append(request.HookInstance, new EnrichmentCompleted(request.HookInstance, request.PatientId, result.Cards,
            result.Findings, result.RuleVersions, completedAt, Late: completedAt > request.Deadline));
        await session.SaveChangesAsync(context.CancellationToken);
        metrics.Evaluated(request.Hook, request.Tenant, time.GetElapsedTime(started).TotalMilliseconds, result.Cards.Count);

        await context.RespondAsync(result);
    }
}
