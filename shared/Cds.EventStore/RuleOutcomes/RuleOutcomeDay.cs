namespace Cds.EventStore.RuleOutcomes;

/// <summary>
/// What one rule version did for one CDS service on one day (UTC), per tenant (conjoined): cards fired (findings of
/// enrichment), shown to Epic, and the clinicians' feedback on them. Id = <see cref="RuleOutcomeKey.Of"/>. Feedback and
/// notes count on the day the card was shown, so a day's acceptance is about that day's cards.
/// </summary>
public sealed class RuleOutcomeDay
{
    public string Id { get; set; } = "";
    public string ServiceId { get; set; } = "";
    public string RuleId { get; set; } = "";
    /// <summary>
    /// The version of the rule that produced the cards (from the finding behind each card); "1.0.0+{overrides hash}"
    /// when the tenant tuned its parameters (<see cref="RuleOutcomeKey.VersionOf"/>).
    /// </summary>
    public string RuleVersion { get; set; } = "";
    /// <summary>Midnight UTC of the day.</summary>
    public DateTimeOffset Day { get; set; }
    /// <summary>Findings of enrichment: the rule concluded a card should be shown.</summary>
    public long Fired { get; set; }
    /// <summary>Silent mode: cards the rule produced and the tenant's settings kept from Epic ("would have fired").</summary>
    public long Silenced { get; set; }
    /// <summary>Snooze after override: cards the rule produced and a recent override of the same fact kept from Epic.</summary>
    public long Snoozed { get; set; }
    /// <summary>Cards of this rule in the answers Epic got.</summary>
    public long Shown { get; set; }
    public long Accepted { get; set; }
    /// <summary>Accepted cards per accepted suggestion (its label; "(card)" when no suggestion was named).</summary>
    public Dictionary<string, long> AcceptedSuggestions { get; set; } = [];
    public long Overridden { get; set; }
    /// <summary>Overrides per override-reason code ("(none)" when the clinician gave none).</summary>
    public Dictionary<string, long> OverrideReasons { get; set; } = [];
    /// <summary>Overrides that came with a free-text comment (the comment itself is not kept here).</summary>
    public long OverridesWithComment { get; set; }
    /// <summary>Seconds from the answer to each feedback item (for the median and the "no feedback within" window).</summary>
    public List<double> FeedbackSeconds { get; set; } = [];
    /// <summary>DocumentReference notes created in Epic for this rule's cards.</summary>
    public long NotesWritten { get; set; }

    public long Feedback => Accepted + Overridden;
}
