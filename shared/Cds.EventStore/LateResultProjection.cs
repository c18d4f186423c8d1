using JasperFx.Events;
using Marten;
using Marten.Events.Projections;

namespace Cds.EventStore;

/// <summary>Inline: a late <see cref="EnrichmentCompleted"/> with cards becomes the patient's <see cref="LateResult"/>.</summary>
public sealed partial class LateResultProjection : EventProjection
{
    public async Task Project(IEvent<EnrichmentCompleted> e, IDocumentOperations ops, CancellationToken ct)
    {
        if (!e.Data.Late || e.Data.Cards.Count == 0)
        {
            return;
        }
        var timeline = await ops.LoadAsync<HookTimeline>(e.StreamKey!, ct);
        ops.Store(new LateResult
        {
            Id = e.Data.PatientId,
            HookInstance = e.Data.HookInstance,
            Hook = timeline?.Hook ?? "",
            Cards = [.. e.Data.Cards],
            Findings = [.. e.Data.Findings],
            CompletedAt = e.Data.CompletedAt,
        });
    }
}
