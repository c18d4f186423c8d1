using System.Security.Cryptography;
using System.Text;
using Cds.Contracts;
using Cds.EventStore;

namespace Cds.WriteBack;

/// <summary>The note's stable identifier: the same feedback (tenant, hook, card, outcome) always gives the same value.</summary>
public sealed record NoteIdentity(string System, string Value)
{
    /// <summary>The <c>If-None-Exist</c> query: <c>identifier=system|value</c> (escaped).</summary>
    public string IfNoneExistQuery => "identifier=" + Uri.EscapeDataString($"{System}|{Value}");

    public string Token => $"{System}|{Value}";

    public static NoteIdentity For(string system, string tenant, string hookInstance, string cardUuid, string outcome)
    {
        var key = $"urn:cds:note:{tenant}:{hookInstance}:{cardUuid}:{outcome}";
        var hash = SHA256.HashData(Encoding.UTF8.GetBytes(key));
        return new NoteIdentity(system, Convert.ToHexStringLower(hash)[..40]);
    }
}

/// <summary>What the policy decided for one feedback item.</summary>
public abstract record WriteBackDecision
{
    private WriteBackDecision() { }

    /// <summary>No note: <see cref="Reason"/> says why (for logs and metrics; no PHI).</summary>
    public sealed record Skip(string Reason) : WriteBackDecision;

    /// <summary>Write a note for <see cref="Card"/> because of <see cref="Trigger"/>.</summary>
    public sealed record Write(WriteBackTrigger Trigger, NoteIdentity Identity, Card Card, Finding? Finding) : WriteBackDecision;
}

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
