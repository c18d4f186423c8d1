using JasperFx.Events;
using Marten;
using Marten.Events.Projections;

namespace Cds.EventStore;

/// <summary>Inline: one <see cref="IssuedCard"/> per card returned to Epic, so feedback can find its hook.</summary>
public sealed partial class IssuedCardProjection : EventProjection
{
    public async Task Project(IEvent<CardsReturned> e, IDocumentOperations ops, CancellationToken ct)
    {
        if (e.Data.Cards.Count == 0)
        {
            return;
        }
        var timeline = await ops.LoadAsync<HookTimeline>(e.StreamKey!, ct);
        foreach (var card in e.Data.Cards)
        {
            ops.Store(new IssuedCard
            {
                Id = card.Uuid,
                HookInstance = e.StreamKey!,
                ServiceId = timeline?.ServiceId ?? "",
                PatientId = timeline?.PatientId ?? "",
                EncounterId = timeline?.EncounterId,
                UserId = timeline?.UserId,
                TopicCode = card.Source.Topic?.Code,
                Indicator = card.Indicator,
                Summary = card.Summary,
                IssuedAt = e.Data.ReturnedAt,
            });
        }
    }
}
