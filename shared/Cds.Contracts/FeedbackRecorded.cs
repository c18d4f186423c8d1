using MassTransit;

namespace Cds.Contracts;

/// <summary>
/// Integration event relayed from the event store (never published directly): a clinician accepted or overrode one
/// of our cards. MessageId = the store's event id, so consumers de-duplicate on it.
/// </summary>
[MessageUrn("cds:feedback-recorded:v1")]
public sealed record FeedbackRecorded
{
    public required string Tenant { get; init; }
    public required string HookInstance { get; init; }
    public required string ServiceId { get; init; }
    public required string CardUuid { get; init; }
    public required string Outcome { get; init; }
    public IReadOnlyList<string> AcceptedSuggestions { get; init; } = [];
    public IReadOnlyList<Coding> OverrideReasons { get; init; } = [];
    public string? UserComment { get; init; }
    public required DateTimeOffset OutcomeTimestamp { get; init; }
    public required string IdempotencyKey { get; init; }
    public required string PatientId { get; init; }
    public string? TopicCode { get; init; }
    public string? Indicator { get; init; }
    public required Guid EventId { get; init; }
}
