using Cds.Contracts;
using Cds.EventStore;
using Cds.Hooks.Requests;
using Marten;
using JasperFx;

namespace Cds.Hooks;

/// <summary>
/// Records each feedback item as <see cref="FeedbackReceived"/> in the stream of the hook that issued the card, once:
/// Epic repeats and batches feedback, so an item whose idempotency key was seen is skipped. The event store relays
/// recorded feedback to the write-back service (no direct publish: nothing between here and the note can be lost).
/// </summary>
public sealed class FeedbackRecorder(IDocumentStore store, TimeProvider time, ILogger<FeedbackRecorder> log)
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
            await HookStreams.AppendAsync(session, card.HookInstance, ct, new FeedbackReceived(
                tenant, card.HookInstance, serviceId, item.Card, item.Outcome, item.AcceptedSuggestionIds,
                [.. item.OverrideReasons.Where(r => r.Code is not null || r.Display is not null)
                    .Select(r => new Coding { Code = r.Code ?? r.BestDisplay ?? "", System = r.System, Display = r.BestDisplay })],
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
}
