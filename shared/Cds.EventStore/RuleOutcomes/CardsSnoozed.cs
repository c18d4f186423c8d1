using Cds.Contracts;

namespace Cds.EventStore.RuleOutcomes;

/// <summary>
/// Snooze after override: the rules produced these cards, and a clinician's recent override of the same rule on the same
/// fact for this patient kept them from Epic (<c>Tenants:{id}:Alerts:SnoozeAfterOverride</c>). Appended to the hook's
/// stream with the evaluation; <see cref="OverriddenCards"/> and <see cref="OverriddenAt"/> name the override behind each card,
/// in the order of <see cref="Cards"/>.
/// </summary>
public sealed record CardsSnoozed(
    string HookInstance,
    string ServiceId,
    IReadOnlyList<Card> Cards,
    IReadOnlyList<Finding> Findings,
    IReadOnlyList<string> OverriddenCards,
    IReadOnlyList<DateTimeOffset> OverriddenAt,
    DateTimeOffset SnoozedAt)
{
    /// <summary>The event of a decision's snoozed outcomes; null when there were none.</summary>
    public static CardsSnoozed? Of(string hookInstance, string serviceId, Cds.Rules.SnoozeAfterOverride.Split split, DateTimeOffset at) =>
        split.Snoozed.Count == 0 ? null : new CardsSnoozed(hookInstance, serviceId,
            [.. split.Snoozed.Select(s => s.Outcome.Card)], [.. split.Snoozed.Select(s => s.Outcome.Finding)],
            [.. split.Snoozed.Select(s => s.By.CardUuid)], [.. split.Snoozed.Select(s => s.By.OverriddenAt)], at);
}
