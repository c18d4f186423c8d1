using System.Globalization;
using Cds.EventStore;

namespace Cds.Ops.Timeline;

/// <summary>Prints a hook's timeline for an operator: request, answer, cards, enrichment, feedback, write-backs, events.</summary>
public static class TimelinePrinter
{
    public static void Print(TimelineView view, TextWriter w)
    {
        var t = view.Timeline;
        Line(w, "Hook instance", t.Id);
        Line(w, "Tenant", view.TenantId);
        Line(w, "Hook", $"{t.Hook} (service {t.ServiceId})");
        Line(w, "Received", Time(t.ReceivedAt));
        Line(w, "Patient", t.PatientId + (t.EncounterId is null ? "" : $"   encounter {t.EncounterId}") + (t.UserId is null ? "" : $"   user {t.UserId}"));
        if (t.Epic is { } epic)
        {
            Line(w, "Epic", $"trigger {epic.TriggerAction ?? "-"} ({epic.TriggerActionName ?? "-"}), criteria {epic.CriteriaId ?? "-"}, version {epic.EpicVersion ?? "-"}");
        }
        if (t.Stripped)
        {
            Line(w, "Request", "stripped (Epic sent no prefetch/context beyond ids)");
        }
        if (t.Prefetch is { } p)
        {
            Line(w, "Prefetch", $"provided [{string.Join(", ", p.Provided)}]  no data [{string.Join(", ", p.NoData)}]  fetched [{string.Join(", ", p.Fetched)}]  unavailable [{string.Join(", ", p.Unavailable)}]");
        }
        Line(w, "Answer", t.LatencyMs is null
            ? "no answer recorded"
            : $"{t.Cards.Count} card(s), source {t.CardSource ?? "-"}, {t.LatencyMs.Value.ToString("0", CultureInfo.InvariantCulture)} ms, deadline {(t.DeadlineMissed ? "MISSED" : "met")}");

        w.WriteLine();
        w.WriteLine($"Cards ({t.Cards.Count})");
        foreach (var card in t.Cards)
        {
            w.WriteLine($"  [{card.Indicator}] {card.Summary}");
            w.WriteLine($"      uuid {card.Uuid}   topic {card.Source.Topic?.Code ?? "-"}   source {card.Source.Label}");
        }

        w.WriteLine();
        w.WriteLine(t.EnrichedAt is null
            ? "Enrichment: none recorded"
            : $"Enrichment at {Time(t.EnrichedAt.Value)}{(t.EnrichedLate ? " (late: after the answer)" : "")}: {t.Findings.Count} finding(s), {t.EnrichedCards.Count} card(s), rules {string.Join(", ", t.RuleVersions)}");
        foreach (var f in t.Findings)
        {
            w.WriteLine($"  {f.RuleId}@{f.RuleVersion} [{f.Indicator}] {f.TopicCode}: {f.Summary}");
        }

        w.WriteLine();
        w.WriteLine($"Feedback ({t.Feedback.Count})");
        foreach (var f in t.Feedback)
        {
            var reasons = f.OverrideReasons.Count == 0 ? "" : "   override reasons " + string.Join(", ", f.OverrideReasons.Select(r => r.Display ?? r.Code));
            var accepted = f.AcceptedSuggestions.Count == 0 ? "" : "   accepted suggestions " + string.Join(", ", f.AcceptedSuggestions);
            w.WriteLine($"  {Time(f.OutcomeTimestamp)}  card {f.CardUuid} {f.Outcome}{reasons}{accepted}");
        }

        w.WriteLine();
        w.WriteLine($"Write-backs ({t.Notes.Count})");
        foreach (var n in t.Notes)
        {
            w.WriteLine($"  {Time(n.CompletedAt ?? n.RequestedAt)}  {n.Status,-9} {n.IdentifierValue}");
            w.WriteLine($"      {OpsEventStore.DescribeNote(n)}");
        }

        w.WriteLine();
        w.WriteLine("Timeline");
        foreach (var e in t.Entries.OrderBy(e => e.At))
        {
            w.WriteLine($"  {Time(e.At)}  {e.What,-22} {e.Detail}");
        }

        w.WriteLine();
        w.WriteLine($"Events ({view.Events.Count})");
        foreach (var e in view.Events)
        {
            w.WriteLine($"  v{e.Version,-3} {Time(e.Timestamp)}  {e.Type}");
        }
    }

    private static void Line(TextWriter w, string label, string value) => w.WriteLine($"{label,-14} {value}");

    private static string Time(DateTimeOffset at) => at.UtcDateTime.ToString("yyyy-MM-dd HH:mm:ss.fff'Z'", CultureInfo.InvariantCulture);
}
