using Cds.Contracts;

namespace Cds.EventStore;

// One stream per hook invocation, keyed by hookInstance (per tenant: conjoined tenancy).
// Events carry ids, codes and values; never tokens.

/// <summary>Epic called a hook. <see cref="PrefetchKeys"/> names what the request carried, not its content.</summary>
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
    EpicRequestExtension? Epic = null,
    bool Stripped = false);

/// <summary>Epic's <c>extension</c> block (EPIC.md 1): which native trigger fired, which criteria, which Epic version.</summary>
public sealed record EpicRequestExtension(string? TriggerAction, string? TriggerActionName, string? CriteriaId, string? EpicVersion, IReadOnlyDictionary<string, string>? Other = null);

/// <summary>How each prefetch key was obtained: provided by Epic, empty ("no data"), fetched by us, or unavailable.</summary>
public sealed record PrefetchResolved(
    IReadOnlyList<string> Provided,
    IReadOnlyList<string> NoData,
    IReadOnlyList<string> Fetched,
    IReadOnlyList<string> Unavailable);

/// <summary>The enrichment service evaluated the rules for this hook. <see cref="Late"/>: after the hook had answered.</summary>
public sealed record EnrichmentCompleted(
    string HookInstance,
    string PatientId,
    IReadOnlyList<Card> Cards,
    IReadOnlyList<Finding> Findings,
    IReadOnlyList<string> RuleVersions,
    DateTimeOffset CompletedAt,
    bool Late);

/// <summary>What the hook answered Epic, how long it took, and where the cards came from.</summary>
public sealed record CardsReturned(
    IReadOnlyList<Card> Cards,
    double LatencyMs,
    bool DeadlineMissed,
    DateTimeOffset ReturnedAt,
    string Source);

public static class CardSources
{
    /// <summary>Evaluated for this call within the deadline.</summary>
    public const string Live = "live";
    /// <summary>The deadline passed: served from a recent evaluation of an earlier hook for the same patient.</summary>
    public const string Cached = "cached";
    /// <summary>The deadline passed and nothing recent was known.</summary>
    public const string None = "none";
}
