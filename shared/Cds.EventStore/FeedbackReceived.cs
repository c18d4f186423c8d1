namespace Cds.EventStore;

/// <summary>
/// A clinician's response to one of our cards, attached to the stream of the hook that issued the card.
/// <see cref="IdempotencyKey"/> is the same for a repeated delivery of the same item (Epic repeats and batches).
/// </summary>
public sealed record FeedbackReceived(
    string Tenant,
    string HookInstance,
    string ServiceId,
    string CardUuid,
    string Outcome,
    IReadOnlyList<string> AcceptedSuggestions,
    IReadOnlyList<Contracts.Coding> OverrideReasons,
    string? UserComment,
    DateTimeOffset OutcomeTimestamp,
    string IdempotencyKey,
    string PatientId,
    string? TopicCode,
    string? Indicator,
    DateTimeOffset ReceivedAt);
