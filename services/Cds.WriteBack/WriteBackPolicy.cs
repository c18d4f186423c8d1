using Cds.Contracts;
using Cds.EventStore;
using Cds.Tenants;

namespace Cds.WriteBack;

/// <summary>
/// The write-back decision, pure: tenant settings + the feedback + the hook's timeline in, a decision out. No I/O,
/// no clock, no randomness: the same inputs always give the same decision and the same note identifier.
/// </summary>
public static class WriteBackPolicy
{
    public static WriteBackDecision Decide(TenantWriteBackSettings settings, FeedbackRecorded feedback, HookTimeline? timeline)
    {
        ArgumentNullException.ThrowIfNull(settings);
        ArgumentNullException.ThrowIfNull(feedback);
        if (!settings.Enabled)
        {
            return new WriteBackDecision.Skip("write-back is disabled for this tenant");
        }
        if (timeline is null)
        {
            return new WriteBackDecision.Skip("the hook's timeline is unknown");
        }
        var card = timeline.Cards.FirstOrDefault(c => c.Uuid == feedback.CardUuid)
            ?? timeline.EnrichedCards.FirstOrDefault(c => c.Uuid == feedback.CardUuid);
        if (card is null)
        {
            return new WriteBackDecision.Skip("the card is not one this hook issued");
        }
        var finding = timeline.Findings.FirstOrDefault(f => f.CardUuid == feedback.CardUuid);
        var indicator = string.IsNullOrEmpty(card.Indicator) ? feedback.Indicator : card.Indicator;
        var triggers = settings.EffectiveTriggers;

        WriteBackTrigger? matched = null;
        if (triggers.Contains(WriteBackTrigger.OverrideOfCritical)
            && feedback.Outcome == FeedbackOutcomes.Overridden && indicator == Indicators.Critical)
        {
            matched = WriteBackTrigger.OverrideOfCritical;
        }
        else if (triggers.Contains(WriteBackTrigger.AcceptedSuggestion)
            && feedback.Outcome == FeedbackOutcomes.Accepted && feedback.AcceptedSuggestions.Count > 0)
        {
            matched = WriteBackTrigger.AcceptedSuggestion;
        }
        else if (triggers.Contains(WriteBackTrigger.FlaggedFinding) && finding?.FlagForDocumentation == true
            && feedback.Outcome is FeedbackOutcomes.Overridden or FeedbackOutcomes.Accepted)
        {
            matched = WriteBackTrigger.FlaggedFinding;
        }

        if (matched is not { } trigger)
        {
            return new WriteBackDecision.Skip(
                $"no trigger in force ({string.Join(", ", triggers)}) matches outcome '{feedback.Outcome}' of a {indicator} card");
        }
        var identity = NoteIdentity.For(settings.IdentifierSystem, feedback.Tenant, feedback.HookInstance, feedback.CardUuid, feedback.Outcome);
        return new WriteBackDecision.Write(trigger, identity, card, finding);
    }
}
