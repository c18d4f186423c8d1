using System.Globalization;
using System.Net;
using System.Text;
using Cds.Contracts;
using Cds.EventStore;
using Hl7.Fhir.Model;
using Cds.Tenants;

namespace Cds.WriteBack;

/// <summary>
/// Builds the DocumentReference Epic needs for a clinical note (pure): status, docStatus, type (LOINC), category
/// (clinical-note), subject, context.encounter, author, date, description, the note as a base64 attachment, and our
/// stable identifier. The note says what was advised, the outcome, the override reason(s) and comment, and when.
/// </summary>
public static class NoteBuilder
{
    public const string LoincSystem = "http://loinc.org";
    public const string UsCoreCategorySystem = "http://hl7.org/fhir/us/core/CodeSystem/us-core-documentreference-category";

    public static DocumentReference Build(TenantWriteBackSettings settings, FeedbackRecorded feedback, HookTimeline timeline,
        WriteBackDecision.Write decision)
    {
        var html = string.Equals(settings.ContentType, "text/html", StringComparison.OrdinalIgnoreCase);
        var lines = NoteLines(feedback, timeline, decision);
        var text = html ? Html(lines) : string.Join("\n", lines.Select(l => l.Label is null ? l.Value : $"{l.Label}: {l.Value}")) + "\n";
        var date = feedback.OutcomeTimestamp;

        var doc = new DocumentReference
        {
            Identifier = [new Identifier(decision.Identity.System, decision.Identity.Value) { Use = Identifier.IdentifierUse.Official }],
            Status = DocumentReferenceStatus.Current,
            DocStatus = settings.DocStatus switch
            {
                "preliminary" => CompositionStatus.Preliminary,
                "amended" => CompositionStatus.Amended,
                _ => CompositionStatus.Final,
            },
            Type = new CodeableConcept(LoincSystem, settings.NoteTypeLoinc,
                settings.NoteTypeDisplay ?? TenantWriteBackSettings.KnownLoincDisplay(settings.NoteTypeLoinc), null),
            Category = [new CodeableConcept(UsCoreCategorySystem, "clinical-note", "Clinical Note", null)],
            Subject = new ResourceReference(Reference("Patient", feedback.PatientId)),
            DateElement = new Instant(date),
            Description = Truncate(Description(feedback, decision), 200),
            Content =
            [
                new DocumentReference.ContentComponent
                {
                    Attachment = new Attachment
                    {
                        ContentType = (html ? "text/html" : "text/plain") + "; charset=utf-8",
                        Language = "en-US",
                        Data = Encoding.UTF8.GetBytes(text),
                        Title = Truncate($"CDS advice {Outcome(feedback.Outcome)}: {decision.Card.Summary}", 120),
                        CreationElement = new FhirDateTime(date),
                    },
                },
            ],
        };
        if (!string.IsNullOrWhiteSpace(timeline.UserId))
        {
            doc.Author = [new ResourceReference(Reference("Practitioner", timeline.UserId))];
        }
        if (!string.IsNullOrWhiteSpace(timeline.EncounterId))
        {
            doc.Context = new DocumentReference.ContextComponent
            {
                Encounter = [new ResourceReference(Reference("Encounter", timeline.EncounterId))],
            };
        }
        return doc;
    }

    /// <summary>The note as label/value lines (a null label is a heading line).</summary>
    public static IReadOnlyList<(string? Label, string Value)> NoteLines(FeedbackRecorded feedback, HookTimeline timeline, WriteBackDecision.Write decision)
    {
        var card = decision.Card;
        var lines = new List<(string?, string)>
        {
            (null, $"Clinical decision support: {card.Source.Label}"),
            ("Advice", card.Summary),
            ("Severity", card.Indicator),
            ("Outcome", OutcomeSentence(feedback, card)),
        };
        if (feedback.Outcome == FeedbackOutcomes.Overridden)
        {
            var reasons = feedback.OverrideReasons.Select(r => ReasonText(r, card)).Where(r => r.Length > 0).ToList();
            lines.Add(("Override reason" + (reasons.Count == 1 ? "" : "s"), reasons.Count == 0 ? "none given" : string.Join("; ", reasons)));
        }
        if (!string.IsNullOrWhiteSpace(feedback.UserComment))
        {
            lines.Add(("Clinician comment", feedback.UserComment.Trim()));
        }
        lines.Add(("Time of decision", feedback.OutcomeTimestamp.UtcDateTime.ToString("yyyy-MM-dd HH:mm:ss 'UTC'", CultureInfo.InvariantCulture)));
        if (card.Source.Topic?.Code is { } topic)
        {
            lines.Add(("Advice topic", card.Source.Topic.Display is { } d ? $"{d} ({topic})" : topic));
        }
        if (decision.Finding is { } finding)
        {
            lines.Add(("Rule", $"{finding.RuleId} v{finding.RuleVersion}"));
        }
        lines.Add((null, $"Documented automatically ({Trigger(decision.Trigger)}; {timeline.Hook} hook, service {feedback.ServiceId})."));
        return lines;
    }

    private static string OutcomeSentence(FeedbackRecorded feedback, Card card)
    {
        if (feedback.Outcome == FeedbackOutcomes.Accepted)
        {
            var labels = feedback.AcceptedSuggestions
                .Select(uuid => card.Suggestions?.FirstOrDefault(s => s.Uuid == uuid)?.Label)
                .Where(l => !string.IsNullOrWhiteSpace(l))
                .ToList();
            return labels.Count == 0 ? "accepted by the clinician" : $"accepted by the clinician (suggestion: {string.Join("; ", labels)})";
        }
        return feedback.Outcome == FeedbackOutcomes.Overridden ? "overridden by the clinician" : feedback.Outcome;
    }

    private static string ReasonText(Contracts.Coding reason, Card card)
    {
        var display = reason.Display ?? card.OverrideReasons?.FirstOrDefault(r => r.Code == reason.Code)?.Display;
        return display is null ? reason.Code : $"{display} ({reason.Code})";
    }

    private static string Description(FeedbackRecorded feedback, WriteBackDecision.Write decision) =>
        $"CDS advice {Outcome(feedback.Outcome)} ({Trigger(decision.Trigger)}): {decision.Card.Summary}";

    private static string Outcome(string outcome) => outcome switch
    {
        FeedbackOutcomes.Overridden => "overridden",
        FeedbackOutcomes.Accepted => "accepted",
        _ => outcome,
    };

    private static string Trigger(WriteBackTrigger trigger) => trigger switch
    {
        WriteBackTrigger.OverrideOfCritical => "override of a critical alert",
        WriteBackTrigger.AcceptedSuggestion => "accepted suggestion",
        WriteBackTrigger.FlaggedFinding => "finding flagged for documentation",
        _ => trigger.ToString(),
    };

    private static string Html(IReadOnlyList<(string? Label, string Value)> lines)
    {
        var sb = new StringBuilder("<div>");
        foreach (var (label, value) in lines)
        {
            sb.Append(label is null
                ? $"<p>{WebUtility.HtmlEncode(value)}</p>"
                : $"<p><b>{WebUtility.HtmlEncode(label)}:</b> {WebUtility.HtmlEncode(value)}</p>");
        }
        return sb.Append("</div>").ToString();
    }

    /// <summary><c>Type/id</c> as given, or <paramref name="type"/>/id for a bare id.</summary>
    public static string Reference(string type, string id) => id.Contains('/', StringComparison.Ordinal) ? id : $"{type}/{id}";

    private static string Truncate(string s, int max) => s.Length <= max ? s : s[..(max - 1)] + "…";
}
