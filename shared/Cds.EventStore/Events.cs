using Cds.Contracts;

namespace Cds.EventStore;

// One stream per hook invocation, keyed by hookInstance (per tenant: conjoined tenancy).
// Events carry ids, codes and values; never tokens.

/// <summary>
/// Epic (or another CDS client) called a hook. <see cref="PrefetchKeys"/> names what the request carried, not its content.
/// <see cref="ClientTenant"/>: the optional CDS Hooks 2.0 <c>tenant</c> claim of the caller's JWT (its opaque name of the
/// organisation; not PHI), as sent; <see cref="Tenant"/> is ours.
/// </summary>
public sealed record HookReceived(
    string Tenant,
    string HookInstance,
    string Hook,
    string ServiceId,
    string PatientId,
    string? EncounterId,
    string? UserId,
    DateTimeOffset ReceivedAt,
    IReadOnlyList<string> PrefetchKeys,
    EpicExtension? Epic = null,
    bool Stripped = false,
    string? ClientTenant = null);

/// <summary>Epic's <c>extension</c> block (docs/epic-behaviours.md item 1): which native trigger fired, which criteria, which Epic version.</summary>
public sealed record EpicExtension(string? TriggerAction, string? TriggerActionName, string? CriteriaId, string? EpicVersion, IReadOnlyDictionary<string, string>? Other = null);

/// <summary>How each prefetch key was obtained: provided by Epic, empty ("no data"), fetched by us, or unavailable.</summary>
public sealed record PrefetchResolved(
    IReadOnlyList<string> Provided,
    IReadOnlyList<string> NoData,
    IReadOnlyList<string> Fetched,
    IReadOnlyList<string> Unavailable);

/// <summary>The enrichment service evaluated the rules for this hook. <see cref="Late"/>: after the hook had answered.</summary>
/// <param name="UnrecognisedMedications">
/// Medications no rule vocabulary recognised, as "draft|active system|code,…" (codes only, never text), so a site can
/// extend the vocabulary; null when not recorded.
/// </param>
/// <param name="Data">Where the patient data the rules read came from and how old it was; null when not recorded.</param>
public sealed record EnrichmentCompleted(
    string HookInstance,
    string PatientId,
    IReadOnlyList<Card> Cards,
    IReadOnlyList<Finding> Findings,
    IReadOnlyList<string> RuleVersions,
    DateTimeOffset CompletedAt,
    bool Late,
    IReadOnlyList<string>? UnrecognisedMedications = null,
    PatientDataUsed? Data = null);

/// <summary>
/// The patient data behind an evaluation: <see cref="Source"/> is a <see cref="PatientDataSources"/> value,
/// <see cref="AgeSeconds"/> its age when the rules read it, <see cref="Stale"/> true when it was older than the hook's
/// bound (order hooks: <c>Enrichment:OrderTimeMaxAge</c>) and Epic could not be read again; <see cref="Note"/> says why.
/// </summary>
public sealed record PatientDataUsed(string Source, DateTimeOffset? ReadAt, double? AgeSeconds, bool Stale, string? Note = null);

public static class PatientDataSources
{
    /// <summary>Everything came with the request (prefetch, or fetched with the hook's token).</summary>
    public const string Prefetch = "prefetch";
    /// <summary>Read from Epic with the backend token for this evaluation.</summary>
    public const string Epic = "epic";
    /// <summary>A context read from Epic for an earlier hook, young enough for this one.</summary>
    public const string Warm = "warm";
    /// <summary>An older context, used because Epic could not be read again in time; its age is on the cards.</summary>
    public const string Stale = "stale";
    /// <summary>What the request lacked could not be read at all: those parts stay gaps.</summary>
    public const string Unavailable = "unavailable";
}

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

public static class CardSources
{
    /// <summary>Evaluated for this call within the deadline.</summary>
    public const string Live = "live";
    /// <summary>The deadline passed: served from a recent evaluation of an earlier hook for the same patient.</summary>
    public const string Cached = "cached";
    /// <summary>The deadline passed and nothing recent was known.</summary>
    public const string None = "none";
}

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

/// <summary>Feedback outcomes (CDS Hooks 2.0 §Feedback), as read from Epic and stored on <see cref="FeedbackReceived"/>.</summary>
public static class FeedbackOutcomes
{
    public const string Accepted = "accepted";
    public const string Overridden = "overridden";
}

/// <summary>One document per card we issued: feedback finds its hook (and patient) by the card's uuid.</summary>
public sealed class IssuedCard
{
    /// <summary>The card uuid.</summary>
    public string Id { get; set; } = "";
    public string HookInstance { get; set; } = "";
    public string ServiceId { get; set; } = "";
    public string PatientId { get; set; } = "";
    public string? EncounterId { get; set; }
    public string? UserId { get; set; }
    public string? TopicCode { get; set; }
    public string Indicator { get; set; } = "";
    public string Summary { get; set; } = "";
    public DateTimeOffset IssuedAt { get; set; }
}

/// <summary>Marks a feedback item as recorded (id = its idempotency key), so a repeated delivery is recorded once.</summary>
public sealed class FeedbackSeen
{
    public string Id { get; set; } = "";
    public string HookInstance { get; set; } = "";
    public DateTimeOffset At { get; set; }
}

/// <summary>Feedback for a card we have no record of: kept for audit (id = the item's idempotency key).</summary>
public sealed class UnmatchedFeedback
{
    public string Id { get; set; } = "";
    public string ServiceId { get; set; } = "";
    public string CardId { get; set; } = "";
    public string Outcome { get; set; } = "";
    public DateTimeOffset OutcomeTimestamp { get; set; }
    public DateTimeOffset ReceivedAt { get; set; }
}

/// <summary>A patient context read from Epic with the backend token, reused by the next hooks (id = patient id; per tenant).</summary>
public sealed class WarmPatientContext
{
    public string Id { get; set; } = "";
    public PatientContext Context { get; set; } = null!;
    public DateTimeOffset ReadAt { get; set; }
}
