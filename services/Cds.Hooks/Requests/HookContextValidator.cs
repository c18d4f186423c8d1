using System.Text.Json;
using System.Text.RegularExpressions;
using FluentValidation;

namespace Cds.Hooks.Requests;

/// <summary>
/// Context of every served hook: <c>patientId</c> and <c>userId</c> required (Epic: <c>PractitionerRole/…</c> or
/// <c>Practitioner/…</c>), <c>encounterId</c> optional.
/// </summary>
public class HookContextValidator : AbstractValidator<RawHookContext>
{
    private static readonly Regex UserReference = new(@"^(Practitioner|PractitionerRole|Patient|RelatedPerson)/[^/\s]+$", RegexOptions.CultureInvariant, TimeSpan.FromMilliseconds(100));

    public HookContextValidator()
    {
        RuleFor(c => c.PatientId).RequiredString("context.patientId");
        RuleFor(c => c.UserId).RequiredString("context.userId");
        RuleFor(c => c.UserId)
            .Must(e => UserReference.IsMatch(JsonRules.Str(e)!))
            .When(c => JsonRules.NonBlankString(c.UserId) && JsonRules.Str(c.UserId)!.Length <= JsonRules.MaxIdLength)
            .WithErrorCode(nameof(ProblemCode.Invalid))
            .WithMessage("context.userId must be a reference such as 'PractitionerRole/{id}' or 'Practitioner/{id}'.")
            .OverridePropertyName("context.userId");
        When(c => JsonRules.Present(c.EncounterId), () => RuleFor(c => c.EncounterId).RequiredString("context.encounterId"));
    }
}

/// <summary>patient-view: the common context; <c>draftOrders</c> is optional and, when present, must be a Bundle.</summary>
public sealed class PatientViewContextValidator : HookContextValidator
{
    public PatientViewContextValidator()
    {
        RuleFor(c => c.DraftOrders)
            .Must(e => e!.Value.ValueKind == JsonValueKind.Object && JsonRules.Str(RawHookRequest.Get(e.Value, "resourceType")) == "Bundle")
            .When(c => JsonRules.Present(c.DraftOrders))
            .WithErrorCode(nameof(ProblemCode.Invalid))
            .WithMessage("context.draftOrders must be a FHIR Bundle when present.")
            .OverridePropertyName("context.draftOrders");
    }
}

/// <summary>
/// order-sign: common context plus <c>draftOrders</c>, a Bundle. Its absence is reported with
/// <see cref="ProblemCode.DraftOrdersScopeMissing"/>: Epic leaves it out when the client lacks the unsigned-order scopes.
/// </summary>
public class OrderSignContextValidator : HookContextValidator
{
    public const string MissingDraftOrdersMessage =
        "context.draftOrders is missing. Configuration fault: Epic sends draftOrders only when the CDS client record has the " +
        "unsigned-order scopes (read access to unsigned MedicationRequest/ServiceRequest orders); ask the Epic analyst to add them.";

    public OrderSignContextValidator()
    {
        RuleFor(c => c.DraftOrders)
            .Cascade(CascadeMode.Stop)
            .Must(JsonRules.Present).WithErrorCode(nameof(ProblemCode.DraftOrdersScopeMissing)).WithMessage(MissingDraftOrdersMessage)
            .Must(e => e!.Value.ValueKind == JsonValueKind.Object).WithErrorCode(nameof(ProblemCode.Invalid)).WithMessage("context.draftOrders must be a FHIR Bundle (an object).")
            .Must(e => JsonRules.Str(RawHookRequest.Get(e!.Value, "resourceType")) == "Bundle")
            .WithErrorCode(nameof(ProblemCode.Invalid)).WithMessage("context.draftOrders must be a FHIR Bundle (resourceType 'Bundle').")
            .OverridePropertyName("context.draftOrders");
    }
}

/// <summary>order-select: order-sign's rules plus <c>selections</c>, a non-empty array of <c>Type/id</c> strings.</summary>
public sealed class OrderSelectContextValidator : OrderSignContextValidator
{
    public OrderSelectContextValidator()
    {
        RuleFor(c => c.Selections)
            .Cascade(CascadeMode.Stop)
            .Must(JsonRules.Present).WithErrorCode(nameof(ProblemCode.Required)).WithMessage("context.selections is required.")
            .Must(e => e!.Value.ValueKind == JsonValueKind.Array).WithErrorCode(nameof(ProblemCode.Invalid)).WithMessage("context.selections must be an array of strings.")
            .Must(e => e!.Value.GetArrayLength() > 0).WithErrorCode(nameof(ProblemCode.Required)).WithMessage("context.selections must not be empty.")
            .OverridePropertyName("context.selections");
        RuleForEach(c => Items(c.Selections))
            .Must(JsonRules.NonBlankString)
            .WithErrorCode(nameof(ProblemCode.Invalid))
            .WithMessage("Each selection must be a non-empty string such as 'MedicationRequest/{id}'.")
            .OverridePropertyName("context.selections");
    }

    private static IEnumerable<JsonElement?> Items(JsonElement? array) =>
        array is { ValueKind: JsonValueKind.Array } a ? a.EnumerateArray().Select(e => (JsonElement?)e) : [];
}
