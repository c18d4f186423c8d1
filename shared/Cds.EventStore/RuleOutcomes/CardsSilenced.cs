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
    DateTimeOffset SilencedAt)
{
    /// <summary>The event of a decision's silenced outcomes; null when there were none.</summary>
    public static CardsSilenced? Of(string hookInstance, string serviceId, Cds.Rules.SilentMode.Split split, DateTimeOffset at) =>
        split.Silenced.Count == 0 ? null : new CardsSilenced(hookInstance, serviceId,
            [.. split.Silenced.Select(o => o.Card)], [.. split.Silenced.Select(o => o.Finding)], split.Settings, at);
}
