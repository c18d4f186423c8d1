using Cds.Contracts;
using Cds.Enrichment.Context;
using Marten;
using MassTransit;

namespace Cds.Enrichment.Consumers;

/// <summary>
/// A recorded patient-view, relayed from the event store (at least once): the patient's order-time context is read
/// with the backend token now, so the coming order-select/order-sign decide in the hooks process without the bus.
/// Idempotent: a repeat finds the context it stored still fresh. A failed read is counted, not retried — the order hook
/// then asks over the bus as before.
/// </summary>
public sealed class PatientChartOpenedConsumer(IDocumentStore store, PatientContextCompletion contexts, EnrichmentMetrics metrics)
    : IConsumer<PatientChartOpened>
{
    public async Task Consume(ConsumeContext<PatientChartOpened> context)
    {
        var opened = context.Message;
        await using var session = store.LightweightSession(opened.Tenant);
        metrics.Precomputed(opened.Tenant, await contexts.PrecomputeAsync(session, opened.Tenant, opened.PatientId, context.CancellationToken));
    }
}
