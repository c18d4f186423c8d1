using System.Text.Json;
using FluentValidation;

namespace Cds.Hooks.Requests;

/// <summary>Validates one feedback item: card and outcome required, outcome accepted|overridden, outcomeTimestamp an ISO 8601 date-time.</summary>
public sealed class FeedbackItemValidator : AbstractValidator<RawFeedbackItem>
{
    public FeedbackItemValidator()
    {
        RuleFor(i => i.Item)
            .Must(e => e.ValueKind == JsonValueKind.Object)
            .WithErrorCode(nameof(ProblemCode.Invalid))
            .WithMessage("A feedback item must be an object.")
            .OverridePropertyName("item");
        When(i => i.Item.ValueKind == JsonValueKind.Object, () =>
        {
            RuleFor(i => i.Card).RequiredString("card", 1024);
            RuleFor(i => i.Outcome).RequiredString("outcome", 64);
            RuleFor(i => i.Outcome)
                .Must(e => FeedbackReader.NormalizeOutcome(JsonRules.Str(e)) is not null)
                .When(i => JsonRules.NonBlankString(i.Outcome))
                .WithErrorCode(nameof(ProblemCode.Invalid))
                .WithMessage("outcome must be 'accepted' or 'overridden'.")
                .OverridePropertyName("outcome");
            RuleFor(i => i.OutcomeTimestamp).RequiredString("outcomeTimestamp", 64);
            RuleFor(i => i.OutcomeTimestamp)
                .Must(e => FeedbackReader.ParseTimestamp(JsonRules.Str(e)) is not null)
                .When(i => JsonRules.NonBlankString(i.OutcomeTimestamp))
                .WithErrorCode(nameof(ProblemCode.Invalid))
                .WithMessage("outcomeTimestamp must be an ISO 8601 date-time.")
                .OverridePropertyName("outcomeTimestamp");
            RuleFor(i => i.AcceptedSuggestions)
                .Must(e => e!.Value.ValueKind == JsonValueKind.Array
                    && e.Value.EnumerateArray().All(s => s.ValueKind == JsonValueKind.Object && JsonRules.NonBlankString(RawHookRequest.Get(s, "id"))))
                .When(i => JsonRules.Present(i.AcceptedSuggestions))
                .WithErrorCode(nameof(ProblemCode.Invalid))
                .WithMessage("acceptedSuggestions must be an array of objects with a non-empty id.")
                .OverridePropertyName("acceptedSuggestions");
            RuleFor(i => i.OverrideReason)
                .Must(e => e!.Value.ValueKind is JsonValueKind.Object
                    || (e.Value.ValueKind == JsonValueKind.Array && e.Value.EnumerateArray().All(r => r.ValueKind == JsonValueKind.Object)))
                .When(i => JsonRules.Present(i.OverrideReason))
                .WithErrorCode(nameof(ProblemCode.Invalid))
                .WithMessage("overrideReason must be an object (or an array of objects).")
                .OverridePropertyName("overrideReason");
        });
    }
}
