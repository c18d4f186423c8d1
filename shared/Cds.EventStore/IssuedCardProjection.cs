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
        // Appended with its HookReceived (one append per hook), the answer carries the ids; an older one has the timeline.
        var timeline = e.Data.PatientId is null ? await ops.LoadAsync<HookTimeline>(e.StreamKey!, ct) : null;
        foreach (var card in e.Data.Cards)
        {
            ops.Store(new IssuedCard
            {
                Id = card.Uuid,
                HookInstance = e.StreamKey!,
                ServiceId = e.Data.ServiceId ?? timeline?.ServiceId ?? "",
                PatientId = e.Data.PatientId ?? timeline?.PatientId ?? "",
                EncounterId = e.Data.PatientId is null ? timeline?.EncounterId : e.Data.EncounterId,
                UserId = e.Data.PatientId is null ? timeline?.UserId : e.Data.UserId,
                TopicCode = card.Source.Topic?.Code,
                Indicator = card.Indicator,
                Summary = card.Summary,
                IssuedAt = e.Data.ReturnedAt,
            });
        }
    }
}
