using Cds.Contracts;

namespace Cds.EventStore;

/// <summary>
/// What the hook answered Epic, how long it took, and where the cards came from. <see cref="PatientId"/>,
/// <see cref="EncounterId"/> and <see cref="UserId"/> repeat <see cref="HookReceived"/>'s when both are one append (the
/// issued cards are projected in the same transaction, before the timeline is stored); null in older streams.
/// </summary>
public sealed record CardsReturned(
    IReadOnlyList<Card> Cards,
    double LatencyMs,
    bool DeadlineMissed,
    DateTimeOffset ReturnedAt,
    string Source,
    string? ServiceId = null,
    string? PatientId = null,
    string? EncounterId = null,
    string? UserId = null);
