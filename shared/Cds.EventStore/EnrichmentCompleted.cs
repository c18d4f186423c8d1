using Cds.Contracts;

namespace Cds.EventStore;

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
