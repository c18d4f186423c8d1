using Cds.Contracts;

namespace Cds.EventStore.RuleOutcomes;

/// <summary>
/// Silent (shadow) mode: the rules produced these cards, and the tenant's alert settings kept them from Epic. Appended to
/// the hook's stream with the evaluation; <see cref="Settings"/> names the configuration keys that silenced them.
/// </summary>
public sealed record CardsSilenced(
    string HookInstance,
    string ServiceId,
    IReadOnlyList<Card> Cards,
    IReadOnlyList<Finding> Findings,
    IReadOnlyList<string> Settings,
    DateTimeOffset SilencedAt);
