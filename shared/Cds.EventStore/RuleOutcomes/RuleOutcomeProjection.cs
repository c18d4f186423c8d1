using Marten.Events.Projections;

namespace Cds.EventStore.RuleOutcomes;

/// <summary>
/// Async (hot/cold daemon of the write-back host, like <see cref="ServiceStatisticsProjection"/>): per tenant × service ×
/// rule × rule version × day. The rule of a card is the finding enrichment recorded for it (<see cref="EnrichmentCompleted"/>),
/// read from the hook's inline timeline, so the whole history can be rebuilt from the events (<c>Cds.Ops rules rebuild</c>).
/// </summary>
public sealed partial class RuleOutcomeProjection : MultiStreamProjection<RuleOutcomeDay, string>
{
    public const string ProjectionKey = "rule-outcomes";

    public RuleOutcomeProjection()
    {
        Name = ProjectionKey;
        IncludeType<EnrichmentCompleted>();
        IncludeType<CardsReturned>();
        IncludeType<FeedbackReceived>();
        IncludeType<WriteBackSucceeded>();
        IncludeType<CardsSilenced>();
        IncludeType<CardsSnoozed>();
        CustomGrouping(RuleOutcomeGrouping.GroupAsync);
    }

    // No Create methods: Marten hands the event that creates an aggregate to Create only, so each Apply names the
    // document (the first one does) and then counts.
    private static void Identify(RuleOutcomeDay d, string serviceId, string ruleId, string ruleVersion, DateTimeOffset day)
    {
        if (d.RuleId.Length > 0)
        {
            return;
        }
        d.Id = RuleOutcomeKey.Of(serviceId, ruleId, ruleVersion, day);
        d.ServiceId = serviceId;
        d.RuleId = ruleId;
        d.RuleVersion = ruleVersion;
        d.Day = RuleOutcomeKey.DayOf(day);
    }

    public static void Apply(RuleFired e, RuleOutcomeDay d)
    {
        Identify(d, e.ServiceId, e.RuleId, e.RuleVersion, e.Day);
        d.Fired += e.Count;
    }

    public static void Apply(RuleShown e, RuleOutcomeDay d)
    {
        Identify(d, e.ServiceId, e.RuleId, e.RuleVersion, e.Day);
        d.Shown += e.Count;
    }

    public static void Apply(RuleSilenced e, RuleOutcomeDay d)
    {
        Identify(d, e.ServiceId, e.RuleId, e.RuleVersion, e.Day);
        d.Silenced += e.Count;
    }

    public static void Apply(RuleSnoozed e, RuleOutcomeDay d)
    {
        Identify(d, e.ServiceId, e.RuleId, e.RuleVersion, e.Day);
        d.Snoozed += e.Count;
    }

    public static void Apply(RuleNoteWritten e, RuleOutcomeDay d)
    {
        Identify(d, e.ServiceId, e.RuleId, e.RuleVersion, e.Day);
        d.NotesWritten++;
    }

    public static void Apply(RuleFeedback e, RuleOutcomeDay d)
    {
        Identify(d, e.ServiceId, e.RuleId, e.RuleVersion, e.Day);
        if (e.Seconds is { } seconds)
        {
            d.FeedbackSeconds.Add(Math.Round(seconds, 1));
        }
        if (e.Outcome == FeedbackOutcomes.Accepted)
        {
            d.Accepted++;
            foreach (var label in e.Suggestions.Count == 0 ? ["(card)"] : e.Suggestions)
            {
                d.AcceptedSuggestions[label] = d.AcceptedSuggestions.GetValueOrDefault(label) + 1;
            }
            return;
        }
        d.Overridden++;
        if (e.WithComment)
        {
            d.OverridesWithComment++;
        }
        foreach (var code in e.ReasonCodes.Count == 0 ? ["(none)"] : e.ReasonCodes)
        {
            d.OverrideReasons[code] = d.OverrideReasons.GetValueOrDefault(code) + 1;
        }
    }
}
