using Cds.Contracts;
using Cds.EventStore;
using Cds.Hooks.Requests;
using Cds.Rules;
using Cds.Tenants;
using Marten;
using JasperFx;
using Microsoft.Extensions.Options;

namespace Cds.Hooks;

/// <summary>
/// Records each feedback item as <see cref="FeedbackReceived"/> in the stream of the hook that issued the card, once:
/// Epic repeats and batches feedback, so an item whose idempotency key was seen is skipped. The event store relays
/// recorded feedback to the write-back service (no direct publish: nothing between here and the note can be lost).
/// An override with a reason of a rule the tenant snoozes after override starts its <see cref="OverrideSnooze"/> in the
/// same transaction.
/// </summary>
public sealed class FeedbackRecorder(IDocumentStore store, IOptionsMonitor<ConfiguredTenants> tenants, TimeProvider time,
    ILogger<FeedbackRecorder> log)
{
    public async Task RecordAsync(string tenant, string serviceId, IReadOnlyList<FeedbackItem> items, CancellationToken ct)
    {
        foreach (var item in items)
        {
            await RecordOneAsync(tenant, serviceId, item, ct);
        }
    }

    private async Task RecordOneAsync(string tenant, string serviceId, FeedbackItem item, CancellationToken ct)
    {
        await using var session = store.LightweightSession(tenant);
        if (await session.LoadAsync<FeedbackSeen>(item.IdempotencyKey, ct) is not null)
        {
            return;
        }
        var card = await session.LoadAsync<IssuedCard>(item.Card, ct);
        var now = time.GetUtcNow();
        if (card is null)
        {
            // Not a card we issued (or issued while the store was down): kept for audit, nothing to write back.
            session.Store(new UnmatchedFeedback
            {
                Id = item.IdempotencyKey,
                ServiceId = serviceId,
                CardId = item.Card,
                Outcome = item.Outcome,
                OutcomeTimestamp = item.OutcomeTimestamp,
                ReceivedAt = now,
            });
            log.LogWarning("Tenant {Tenant}: feedback for unknown card on {Service} kept as unmatched", tenant, serviceId);
        }
        else
        {
            // A reason is a coding, or (Epic) only its extension keys: reasonDisplay / reasonTitle.
            var reasons = item.OverrideReasons.Where(r => r.Code is not null || r.BestDisplay is not null).ToList();
            if (item.Outcome == FeedbackOutcomes.Overridden && reasons.Count > 0
                && await SnoozeAsync(session, tenant, card, item.OutcomeTimestamp, now, ct) is { } snooze)
            {
                session.Store(snooze);
                // The patient's snoozes that have run out whatever the setting go with it.
                var oldest = now - SnoozeAfterOverride.Longest;
                session.DeleteWhere<OverrideSnooze>(s => s.PatientId == card.PatientId && s.OverriddenAt <= oldest);
            }
            await HookStreams.AppendAsync(session, card.HookInstance, ct, new FeedbackReceived(
                tenant, card.HookInstance, serviceId, item.Card, item.Outcome, item.AcceptedSuggestionIds,
                [.. reasons.Select(r => new Coding { Code = r.Code ?? r.BestDisplay ?? "", System = r.System, Display = r.BestDisplay })],
                item.OverrideReasons.Select(r => r.UserComment).FirstOrDefault(c => !string.IsNullOrWhiteSpace(c)),
                item.OutcomeTimestamp, item.IdempotencyKey, card.PatientId, card.TopicCode, card.Indicator, now));
        }
        // Insert (not upsert): two instances racing on the same item collide here and only one commits the event.
        session.Insert(new FeedbackSeen { Id = item.IdempotencyKey, HookInstance = card?.HookInstance ?? "", At = now });
        try
        {
            await session.SaveChangesAsync(ct);
        }
        catch (DocumentAlreadyExistsException)
        {
            // The same item arrived twice at once: the other request recorded it.
        }
    }

    /// <summary>
    /// The snooze an override starts, when the tenant snoozes the card's rule: the finding behind the card is the hook's
    /// own, or (a late result shown on a later hook) the one of the hook that produced it.
    /// </summary>
    private async Task<OverrideSnooze?> SnoozeAsync(IDocumentSession session, string tenant, IssuedCard card, DateTimeOffset overriddenAt,
        DateTimeOffset now, CancellationToken ct)
    {
        var alerts = tenants.CurrentValue.AlertsOf(tenant);
        if (alerts.SnoozeAfterOverride.Count == 0)
        {
            return null;
        }
        var cardUuid = card.Id;
        var patientId = card.PatientId;
        var finding = (await session.LoadAsync<HookTimeline>(card.HookInstance, ct))?.Findings.Find(f => f.CardUuid == cardUuid)
            ?? (await session.Query<HookTimeline>().Where(t => t.PatientId == patientId && t.Findings.Any(f => f.CardUuid == cardUuid))
                .FirstOrDefaultAsync(ct))
                ?.Findings.Find(f => f.CardUuid == cardUuid);
        return finding is null ? null : SnoozeAfterOverride.OnOverride(alerts, card.PatientId, finding, cardUuid, overriddenAt, now);
    }
}
