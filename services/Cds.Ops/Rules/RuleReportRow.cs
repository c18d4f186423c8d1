namespace Cds.Ops.Rules;

/// <summary>One rule over the report's window (all its versions and services), as the CDS committee reads it.</summary>
public sealed record RuleReportRow
{
    public required string RuleId { get; init; }
    public required IReadOnlyList<string> Versions { get; init; }
    public required IReadOnlyList<string> Services { get; init; }
    /// <summary>Hooks of the rule's services in the window (the fire rate's denominator).</summary>
    public long Hooks { get; init; }
    public long Fired { get; init; }
    public double? FiredPer100Hooks { get; init; }
    /// <summary>Silent mode: cards the rule produced that the tenant's settings kept from Epic ("would have fired").</summary>
    public long WouldHaveFired { get; init; }
    /// <summary>Snooze after override: cards the rule produced that a recent override of the same fact kept from Epic.</summary>
    public long Snoozed { get; init; }
    public long Shown { get; init; }
    public long Accepted { get; init; }
    public double? AcceptedPercent { get; init; }
    public long Overridden { get; init; }
    public double? OverriddenPercent { get; init; }
    /// <summary>Overrides that came with a free-text comment, as a share of the overrides.</summary>
    public double? OverridesWithCommentPercent { get; init; }
    /// <summary>Shown cards without feedback within the window (<see cref="RuleReport.FeedbackWindow"/>).</summary>
    public long NoFeedback { get; init; }
    public double? MedianSecondsToFeedback { get; init; }
    public long NotesWritten { get; init; }
    /// <summary>Most frequent first: (code, count).</summary>
    public IReadOnlyList<ReasonCount> TopOverrideReasons { get; init; } = [];
    public IReadOnlyList<ReasonCount> AcceptedSuggestions { get; init; } = [];
}
