using Cds.Contracts;

namespace Cds.EventStore.Bulk;

/// <summary>A patient's precomputed gaps and how old they are.</summary>
public sealed record PrecomputedGapAnswer(string RunId, DateTimeOffset RunAt, TimeSpan Age, IReadOnlyList<PrecomputedGap> Gaps)
{
    /// <summary>
    /// The stored gaps of the rules that are enabled for the tenant now (<paramref name="ruleEnabled"/>: rule id → enabled;
    /// a gap stored before the tenant switched its rule off is not answered), as of <paramref name="now"/>; null when
    /// there is no document or no such gap.
    /// </summary>
    public static PrecomputedGapAnswer? From(PatientPopulationGaps? stored, DateTimeOffset now, Func<string, bool> ruleEnabled)
    {
        ArgumentNullException.ThrowIfNull(ruleEnabled);
        var gaps = stored?.Gaps.Where(g => ruleEnabled(g.RuleId)).ToList() ?? [];
        if (gaps.Count == 0)
        {
            return null;
        }
        var age = now - stored!.RunAt;
        return new PrecomputedGapAnswer(stored.RunId, stored.RunAt, age < TimeSpan.Zero ? TimeSpan.Zero : age, gaps);
    }

    /// <summary>
    /// The gaps as cards to answer with, each with its finding (to record with the answer): each card as the rule built it,
    /// a new <paramref name="uuid"/> per card (the finding's <c>CardUuid</c> follows), its age in the summary
    /// ("(as of 6 h ago)", kept under 140 characters) and the run's time in the detail.
    /// </summary>
    public IReadOnlyList<(Card Card, Finding Finding)> Answer(Func<string> uuid) => [.. Gaps.Select(g =>
    {
        var card = g.Card with
        {
            Uuid = uuid(),
            Summary = WithAge(g.Card.Summary, $" (as of {AgeText(Age)})"),
            Detail = (g.Card.Detail is null ? "" : g.Card.Detail + "\n\n")
                     + $"Precomputed by the population run of {RunAt.UtcDateTime:yyyy-MM-dd HH:mm} UTC ({AgeText(Age)}), from the last bulk export of this patient's record.",
        };
        return (card, g.Finding with { CardUuid = card.Uuid });
    })];

    /// <summary>"just now", "12 min ago", "6 h ago", "3 days ago".</summary>
    public static string AgeText(TimeSpan age) => age < TimeSpan.FromMinutes(1) ? "just now"
        : age < TimeSpan.FromHours(1) ? $"{(int)age.TotalMinutes} min ago"
        : age < TimeSpan.FromDays(2) ? $"{(int)age.TotalHours} h ago"
        : $"{(int)age.TotalDays} days ago";

    private static string WithAge(string summary, string suffix) =>
        summary.Length + suffix.Length < 140 ? summary + suffix : summary[..(139 - suffix.Length - 1)] + "…" + suffix;
}
