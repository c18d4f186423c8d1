using MassTransit;

namespace Cds.Contracts;

/// <summary>
/// Relayed from a recorded patient-view (<c>HookReceived</c>, at least once, MessageId = the event id): enrichment reads
/// the patient's order-time context with the backend token, so the coming order-select/order-sign decide in the hooks
/// process without the bus. Ids only.
/// </summary>
[MessageUrn("cds:patient-chart-opened:v1")]
public sealed record PatientChartOpened
{
    public required string Tenant { get; init; }
    public required string HookInstance { get; init; }
    public required string PatientId { get; init; }
    public required DateTimeOffset ReceivedAt { get; init; }
    public required Guid EventId { get; init; }
}
