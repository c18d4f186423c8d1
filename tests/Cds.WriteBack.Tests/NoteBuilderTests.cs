using System.Text;
using Cds.Contracts;
using Cds.EventStore;
using Hl7.Fhir.Model;
using Coding = Cds.Contracts.Coding;
using Cds.Tenants;

namespace Cds.WriteBack.Tests;

public sealed class NoteBuilderTests
{
    private static (DocumentReference Doc, string Text) Build(TenantWriteBackSettings settings, FeedbackRecorded feedback, HookTimeline timeline)
    {
        var decision = Assert.IsType<WriteBackDecision.Write>(WriteBackPolicy.Decide(settings, feedback, timeline));
        var doc = NoteBuilder.Build(settings, feedback, timeline, decision);
        return (doc, Encoding.UTF8.GetString(doc.Content.Single().Attachment.Data!));
    }

    [Fact]
    public void The_document_reference_carries_what_epic_needs()
    {
        var card = TestData.Card();
        var settings = TestData.Enabled(WriteBackTrigger.OverrideOfCritical);
        var feedback = TestData.Feedback(card, FeedbackOutcomes.Overridden);
        var (doc, _) = Build(settings, feedback, TestData.Timeline(card));

        Assert.Equal(DocumentReferenceStatus.Current, doc.Status);
        Assert.NotNull(doc.Type);
        Assert.NotNull(doc.Subject);
        Assert.NotNull(doc.Context);
        Assert.Equal(CompositionStatus.Final, doc.DocStatus);
        var type = doc.Type.Coding.Single();
        Assert.Equal(("http://loinc.org", "11506-3", "Progress note"), (type.System, type.Code, type.Display));
        Assert.Equal("clinical-note", doc.Category.Single().Coding.Single().Code);
        Assert.Equal("Patient/patient-1", doc.Subject.Reference);
        Assert.Equal("Encounter/enc-77", doc.Context.Encounter.Single().Reference);
        Assert.Equal("PractitionerRole/pr-12", doc.Author.Single().Reference);
        Assert.Equal(TestData.At, doc.DateElement!.Value);
        Assert.Contains("overridden", doc.Description, StringComparison.Ordinal);
        var attachment = doc.Content.Single().Attachment;
        Assert.Equal("text/plain; charset=utf-8", attachment.ContentType);
        var identifier = doc.Identifier.Single();
        Assert.Equal(settings.IdentifierSystem, identifier.System);
        Assert.Equal(NoteIdentity.For(settings.IdentifierSystem, "sandbox", feedback.HookInstance, card.Uuid, FeedbackOutcomes.Overridden).Value, identifier.Value);
    }

    [Fact]
    public void The_note_says_what_was_advised_the_outcome_the_reasons_the_comment_and_when()
    {
        var card = TestData.Card();
        var feedback = TestData.Feedback(card, FeedbackOutcomes.Overridden, comment: "Tolerated amoxicillin in 2024",
            reasons: [new Coding { Code = "benefit-outweighs-risk" }, new Coding { Code = "pt-desensitized", Display = "Patient desensitized" }]);
        var (_, text) = Build(TestData.Enabled(WriteBackTrigger.OverrideOfCritical), feedback, TestData.Timeline(card));

        Assert.Contains("Advice: Penicillin allergy recorded: amoxicillin ordered", text, StringComparison.Ordinal);
        Assert.Contains("Outcome: overridden by the clinician", text, StringComparison.Ordinal);
        Assert.Contains("Override reasons: Benefit outweighs risk (benefit-outweighs-risk); Patient desensitized (pt-desensitized)", text, StringComparison.Ordinal);
        Assert.Contains("Clinician comment: Tolerated amoxicillin in 2024", text, StringComparison.Ordinal);
        Assert.Contains("Time of decision: 2026-11-28 14:30:00 UTC", text, StringComparison.Ordinal);
        Assert.DoesNotContain("Bearer", text, StringComparison.OrdinalIgnoreCase);
    }

    [Fact]
    public void Accepted_suggestion_note_names_the_suggestion()
    {
        var card = TestData.Card(Indicators.Warning);
        var (_, text) = Build(TestData.Enabled(WriteBackTrigger.AcceptedSuggestion), TestData.Feedback(card, FeedbackOutcomes.Accepted), TestData.Timeline(card));

        Assert.Contains("Outcome: accepted by the clinician (suggestion: Cancel amoxicillin)", text, StringComparison.Ordinal);
        Assert.DoesNotContain("Override reason", text, StringComparison.Ordinal);
    }

    [Fact]
    public void Html_notes_are_escaped_and_type_and_status_are_configurable()
    {
        var card = TestData.Card();
        var settings = new TenantWriteBackSettings
        {
            Enabled = true, ContentType = "text/html", NoteTypeLoinc = "11488-4", DocStatus = "preliminary",
        };
        var feedback = TestData.Feedback(card, FeedbackOutcomes.Overridden, comment: "<script>x</script> & done");
        var (doc, text) = Build(settings, feedback, TestData.Timeline(card, encounter: null, user: "abc"));

        Assert.Equal("text/html; charset=utf-8", doc.Content.Single().Attachment.ContentType);
        Assert.Contains("&lt;script&gt;x&lt;/script&gt; &amp; done", text, StringComparison.Ordinal);
        Assert.DoesNotContain("<script>", text, StringComparison.Ordinal);
        Assert.Equal(("11488-4", "Consult note"), (doc.Type!.Coding.Single().Code, doc.Type.Coding.Single().Display));
        Assert.Equal(CompositionStatus.Preliminary, doc.DocStatus);
        Assert.Null(doc.Context);
        Assert.Equal("Practitioner/abc", doc.Author.Single().Reference);
    }
}
