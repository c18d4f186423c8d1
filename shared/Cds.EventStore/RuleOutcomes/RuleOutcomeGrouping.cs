using Cds.Contracts;
using JasperFx.Events;
using JasperFx.Events.Grouping;
using Marten;

namespace Cds.EventStore.RuleOutcomes;

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
                    foreach (var rule in enriched.Findings.GroupBy(f => (f.RuleId, RuleVersion: RuleOutcomeKey.VersionOf(f))))
                    {
                        var fired = new RuleFired(timeline.ServiceId, rule.Key.RuleId, rule.Key.RuleVersion, day, rule.Count());
                        grouping.AddEvent(RuleOutcomeKey.Of(fired.ServiceId, fired.RuleId, fired.RuleVersion, day), e.WithData(fired));
                    }
                    break;
                case CardsSilenced silenced:
                    foreach (var rule in silenced.Findings.GroupBy(f => (f.RuleId, RuleVersion: RuleOutcomeKey.VersionOf(f))))
                    {
                        var quiet = new RuleSilenced(silenced.ServiceId, rule.Key.RuleId, rule.Key.RuleVersion, day, rule.Count());
                        grouping.AddEvent(RuleOutcomeKey.Of(quiet.ServiceId, quiet.RuleId, quiet.RuleVersion, day), e.WithData(quiet));
                    }
                    break;
                case CardsSnoozed snoozed:
                    foreach (var rule in snoozed.Findings.GroupBy(f => (f.RuleId, RuleVersion: RuleOutcomeKey.VersionOf(f))))
                    {
                        var held = new RuleSnoozed(snoozed.ServiceId, rule.Key.RuleId, rule.Key.RuleVersion, day, rule.Count());
                        grouping.AddEvent(RuleOutcomeKey.Of(held.ServiceId, held.RuleId, held.RuleVersion, day), e.WithData(held));
                    }
                    break;
                case CardsReturned returned:
                    var byRule = new Dictionary<(string, string), int>();
                    foreach (var shown in returned.Cards)
                    {
                        if (await FindingAsync(session, timeline, shown.Uuid, elsewhere) is { } f)
                        {
                            var key = (f.RuleId, RuleOutcomeKey.VersionOf(f));
                            byRule[key] = byRule.GetValueOrDefault(key) + 1;
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
                    var item = new RuleFeedback(timeline.ServiceId, finding.RuleId, RuleOutcomeKey.VersionOf(finding), day, feedback.Outcome, suggestions,
                        [.. feedback.OverrideReasons.Select(r => r.Code)], !string.IsNullOrWhiteSpace(feedback.UserComment),
                        shownAt is { } at ? Math.Max(0, (feedback.OutcomeTimestamp - at).TotalSeconds) : null);
                    grouping.AddEvent(RuleOutcomeKey.Of(timeline.ServiceId, finding.RuleId, RuleOutcomeKey.VersionOf(finding), day), e.WithData(item));
                    break;
                case WriteBackSucceeded written when written.Created:
                    var note = timeline.Notes.Find(n => n.IdentifierValue == written.NoteIdentifierValue);
                    if (note is not null && await FindingAsync(session, timeline, note.CardUuid, elsewhere) is { } noted)
                    {
                        grouping.AddEvent(RuleOutcomeKey.Of(timeline.ServiceId, noted.RuleId, RuleOutcomeKey.VersionOf(noted), day),
                            e.WithData(new RuleNoteWritten(timeline.ServiceId, noted.RuleId, RuleOutcomeKey.VersionOf(noted), day)));
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
