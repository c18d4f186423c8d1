using Cds.Contracts;
using JasperFx.Events;
using JasperFx.Events.Grouping;
using Marten;
using Marten.Events.Projections;

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
    /// <summary>The version of the rule that produced the cards (from the finding behind each card).</summary>
    public string RuleVersion { get; set; } = "";
    /// <summary>Midnight UTC of the day.</summary>
    public DateTimeOffset Day { get; set; }
    /// <summary>Findings of enrichment: the rule concluded a card should be shown.</summary>
    public long Fired { get; set; }
    /// <summary>Silent mode: cards the rule produced and the tenant's settings kept from Epic ("would have fired").</summary>
    public long Silenced { get; set; }
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

public static class RuleOutcomeKey
{
    public static DateTimeOffset DayOf(DateTimeOffset at) => new(at.UtcDateTime.Date, TimeSpan.Zero);

    /// <summary>"cds-order-select|drug-allergy|1.0.0|2026-12-02".</summary>
    public static string Of(string serviceId, string ruleId, string ruleVersion, DateTimeOffset at) =>
        $"{serviceId}|{ruleId}|{ruleVersion}|{DayOf(at):yyyy-MM-dd}";
}

// What the grouping hands to the aggregate (public only for the projection's Apply methods): each source event, split per rule and enriched with what the stream's
// timeline knows (service, day, the finding behind each card). Never stored.
public sealed record RuleFired(string ServiceId, string RuleId, string RuleVersion, DateTimeOffset Day, int Count);

public sealed record RuleShown(string ServiceId, string RuleId, string RuleVersion, DateTimeOffset Day, int Count);

public sealed record RuleFeedback(string ServiceId, string RuleId, string RuleVersion, DateTimeOffset Day, string Outcome,
    IReadOnlyList<string> Suggestions, IReadOnlyList<string> ReasonCodes, bool WithComment, double? Seconds);

public sealed record RuleSilenced(string ServiceId, string RuleId, string RuleVersion, DateTimeOffset Day, int Count);

public sealed record RuleNoteWritten(string ServiceId, string RuleId, string RuleVersion, DateTimeOffset Day);

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

/// <summary>Splits a page of events per rule, reading the timelines (and issued cards) of their hooks in two queries.</summary>
internal static class RuleOutcomeGrouping
{
    public static async Task GroupAsync(IQuerySession session, IReadOnlyList<IEvent> events, IEventGrouping<string> grouping)
    {
        var keys = events.Where(e => e.StreamKey is not null).Select(e => e.StreamKey!).Distinct(StringComparer.Ordinal).ToList();
        if (keys.Count == 0)
        {
            return;
        }
        var timelines = (await session.Query<HookTimeline>().Where(t => t.AnyTenant() && keys.Contains(t.Id)).ToListAsync())
            .ToDictionary(t => (t.Tenant, t.Id));
        var feedbackCards = events.Select(e => e.Data).OfType<FeedbackReceived>().Select(f => f.CardUuid).Distinct(StringComparer.Ordinal).ToList();
        var issued = feedbackCards.Count == 0
            ? new Dictionary<(string, string), IssuedCard>()
            : (await session.Query<IssuedCard>().Where(c => c.AnyTenant() && feedbackCards.Contains(c.Id)).ToListAsync())
                .ToDictionary(c => (c.HookInstance, c.Id));
        var elsewhere = new Dictionary<(string Tenant, string Card), Finding?>();

        foreach (var e in events)
        {
            if (e.StreamKey is null || !timelines.TryGetValue((e.TenantId, e.StreamKey), out var timeline))
            {
                continue;
            }
            var day = timeline.ReceivedAt;
            switch (e.Data)
            {
                case EnrichmentCompleted enriched:
                    foreach (var rule in enriched.Findings.GroupBy(f => (f.RuleId, f.RuleVersion)))
                    {
                        var fired = new RuleFired(timeline.ServiceId, rule.Key.RuleId, rule.Key.RuleVersion, day, rule.Count());
                        grouping.AddEvent(RuleOutcomeKey.Of(fired.ServiceId, fired.RuleId, fired.RuleVersion, day), e.WithData(fired));
                    }
                    break;
                case CardsSilenced silenced:
                    foreach (var rule in silenced.Findings.GroupBy(f => (f.RuleId, f.RuleVersion)))
                    {
                        var quiet = new RuleSilenced(silenced.ServiceId, rule.Key.RuleId, rule.Key.RuleVersion, day, rule.Count());
                        grouping.AddEvent(RuleOutcomeKey.Of(quiet.ServiceId, quiet.RuleId, quiet.RuleVersion, day), e.WithData(quiet));
                    }
                    break;
                case CardsReturned returned:
                    var byRule = new Dictionary<(string, string), int>();
                    foreach (var shown in returned.Cards)
                    {
                        if (await FindingAsync(session, timeline, shown.Uuid, elsewhere) is { } f)
                        {
                            byRule[(f.RuleId, f.RuleVersion)] = byRule.GetValueOrDefault((f.RuleId, f.RuleVersion)) + 1;
                        }
                    }
                    foreach (var ((ruleId, version), count) in byRule)
                    {
                        grouping.AddEvent(RuleOutcomeKey.Of(timeline.ServiceId, ruleId, version, day),
                            e.WithData(new RuleShown(timeline.ServiceId, ruleId, version, day, count)));
                    }
                    break;
                case FeedbackReceived feedback when await FindingAsync(session, timeline, feedback.CardUuid, elsewhere) is { } finding:
                    var shownAt = issued.GetValueOrDefault((timeline.Id, feedback.CardUuid))?.IssuedAt;
                    var card = timeline.Cards.Find(c => c.Uuid == feedback.CardUuid);
                    var suggestions = feedback.AcceptedSuggestions
                        .Select(s => card?.Suggestions?.FirstOrDefault(x => x.Uuid == s)?.Label ?? "(unknown suggestion)").ToList();
                    var item = new RuleFeedback(timeline.ServiceId, finding.RuleId, finding.RuleVersion, day, feedback.Outcome, suggestions,
                        [.. feedback.OverrideReasons.Select(r => r.Code)], !string.IsNullOrWhiteSpace(feedback.UserComment),
                        shownAt is { } at ? Math.Max(0, (feedback.OutcomeTimestamp - at).TotalSeconds) : null);
                    grouping.AddEvent(RuleOutcomeKey.Of(timeline.ServiceId, finding.RuleId, finding.RuleVersion, day), e.WithData(item));
                    break;
                case WriteBackSucceeded written when written.Created:
                    var note = timeline.Notes.Find(n => n.IdentifierValue == written.NoteIdentifierValue);
                    if (note is not null && await FindingAsync(session, timeline, note.CardUuid, elsewhere) is { } noted)
                    {
                        grouping.AddEvent(RuleOutcomeKey.Of(timeline.ServiceId, noted.RuleId, noted.RuleVersion, day),
                            e.WithData(new RuleNoteWritten(timeline.ServiceId, noted.RuleId, noted.RuleVersion, day)));
                    }
                    break;
            }
        }
    }

    /// <summary>
    /// The finding behind a card: the hook's own evaluation, or (a late result shown on this patient's next hook) the
    /// evaluation of the hook that produced it.
    /// </summary>
    private static async Task<Finding?> FindingAsync(IQuerySession session, HookTimeline timeline, string cardUuid,
        Dictionary<(string, string), Finding?> elsewhere)
    {
        if (timeline.Findings.Find(f => f.CardUuid == cardUuid) is { } own)
        {
            return own;
        }
        if (!elsewhere.TryGetValue((timeline.Tenant, cardUuid), out var found))
        {
            var tenant = timeline.Tenant;
            var origin = await session.Query<HookTimeline>()
                .Where(t => t.AnyTenant() && t.Tenant == tenant && t.Findings.Any(f => f.CardUuid == cardUuid))
                .FirstOrDefaultAsync();
            found = origin?.Findings.Find(f => f.CardUuid == cardUuid);
            elsewhere[(timeline.Tenant, cardUuid)] = found;
        }
        return found;
    }
}
