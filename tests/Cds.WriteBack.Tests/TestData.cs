using Cds.Contracts;
using Cds.EventStore;
using Coding = Cds.Contracts.Coding;
using Cds.Tenants;

namespace Cds.WriteBack.Tests;

/// <summary>Hook timelines, cards and feedback as the hooks and enrichment services record them.</summary>
internal static class TestData
{
    public static readonly DateTimeOffset At = new(2026, 11, 28, 14, 30, 0, TimeSpan.Zero);

    public static Card Card(string indicator = Indicators.Critical, string? uuid = null) => new()
    {
        Uuid = uuid ?? Guid.NewGuid().ToString(),
        Summary = "Penicillin allergy recorded: amoxicillin ordered",
        Indicator = indicator,
        Source = new CardSource { Label = "CDS platform drug-allergy rules", Topic = new Coding { Code = "drugallergypenicillin", Display = "Drug allergy" } },
        Suggestions = [new Suggestion { Label = "Cancel amoxicillin", Uuid = "sugg-cancel-1" }],
        SelectionBehavior = "any",
        OverrideReasons = [new OverrideReason { Code = "benefit-outweighs-risk", System = "urn:cds-platform:override-reason", Display = "Benefit outweighs risk" }],
    };

    public static Finding FindingFor(Card card, bool flag) => new()
    {
        RuleId = "drug-allergy",
        RuleVersion = "3",
        TopicCode = card.Source.Topic!.Code,
        Indicator = card.Indicator,
        Summary = card.Summary,
        CardUuid = card.Uuid,
        FlagForDocumentation = flag,
    };

    public static HookTimeline Timeline(Card card, bool flag = false, string? encounter = "enc-77", string? user = "PractitionerRole/pr-12") => new()
    {
        Id = "hook-" + card.Uuid,
        Tenant = "sandbox",
        Hook = HookNames.OrderSign,
        ServiceId = "drug-allergy-order-sign",
        PatientId = "patient-1",
        EncounterId = encounter,
        UserId = user,
        Cards = [card],
        EnrichedCards = [card],
        Findings = [FindingFor(card, flag)],
    };

    public static FeedbackRecorded Feedback(Card card, string outcome, string tenant = "sandbox", string? hookInstance = null,
        IReadOnlyList<string>? accepted = null, IReadOnlyList<Coding>? reasons = null, string? comment = null, string patientId = "patient-1") => new()
    {
        Tenant = tenant,
        HookInstance = hookInstance ?? "hook-" + card.Uuid,
        ServiceId = "drug-allergy-order-sign",
        CardUuid = card.Uuid,
        Outcome = outcome,
        AcceptedSuggestions = accepted ?? (outcome == FeedbackOutcomes.Accepted ? ["sugg-cancel-1"] : []),
        OverrideReasons = reasons ?? (outcome == FeedbackOutcomes.Overridden ? [new Coding { Code = "benefit-outweighs-risk" }] : []),
        UserComment = comment,
        OutcomeTimestamp = At,
        IdempotencyKey = $"{card.Uuid}:{outcome}",
        PatientId = patientId,
        TopicCode = card.Source.Topic?.Code,
        Indicator = card.Indicator,
        EventId = Guid.NewGuid(),
    };

    public static TenantWriteBackSettings Enabled(params WriteBackTrigger[] triggers) => new()
    {
        Enabled = true,
        Triggers = [.. triggers],
    };
}
