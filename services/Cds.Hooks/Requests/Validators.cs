using System.Text.Json;
using System.Text.RegularExpressions;
using Cds.Contracts;
using FluentValidation;

namespace Cds.Hooks.Requests;

/// <summary>The top-level members of a request body as sent (null = absent). What the envelope validator checks.</summary>
public sealed record RawHookRequest(
    JsonElement? Hook,
    JsonElement? HookInstance,
    JsonElement? FhirServer,
    JsonElement? FhirAuthorization,
    JsonElement? Context,
    JsonElement? Prefetch,
    JsonElement? Extension)
{
    public static RawHookRequest From(JsonElement root) => new(
        Get(root, "hook"), Get(root, "hookInstance"), Get(root, "fhirServer"), Get(root, "fhirAuthorization"),
        Get(root, "context"), Get(root, "prefetch"), Get(root, "extension"));

    internal static JsonElement? Get(JsonElement obj, string name) =>
        obj.ValueKind == JsonValueKind.Object && obj.TryGetProperty(name, out var value) ? value : null;
}

/// <summary>The context members of the served hooks as sent (null = absent).</summary>
public sealed record RawHookContext(
    JsonElement? PatientId,
    JsonElement? UserId,
    JsonElement? EncounterId,
    JsonElement? Selections,
    JsonElement? DraftOrders)
{
    public static RawHookContext From(JsonElement context) => new(
        RawHookRequest.Get(context, "patientId"), RawHookRequest.Get(context, "userId"), RawHookRequest.Get(context, "encounterId"),
        RawHookRequest.Get(context, "selections"), RawHookRequest.Get(context, "draftOrders"));
}

/// <summary>Rule helpers over raw JSON members; the property name of every rule is its JSON path.</summary>
internal static class JsonRules
{
    public const int MaxIdLength = 1024;

    public static bool Present(JsonElement? e) => e is { ValueKind: not JsonValueKind.Null and not JsonValueKind.Undefined };

    public static bool IsString(JsonElement? e) => e is { ValueKind: JsonValueKind.String };

    public static string? Str(JsonElement? e) => e is { ValueKind: JsonValueKind.String } v ? v.GetString() : null;

    public static bool NonBlankString(JsonElement? e) => !string.IsNullOrWhiteSpace(Str(e));

    public static bool NoControlChars(string s) => !s.Any(char.IsControl);

    /// <summary>Required, a non-blank string, at most <paramref name="maxLength"/> characters, no control characters.</summary>
    public static void RequiredString<T>(this IRuleBuilderInitial<T, JsonElement?> rule, string path, int maxLength = MaxIdLength) =>
        rule.Cascade(CascadeMode.Stop)
            .Must(Present).WithErrorCode(nameof(ProblemCode.Required)).WithMessage($"{path} is required.")
            .Must(IsString).WithErrorCode(nameof(ProblemCode.Invalid)).WithMessage($"{path} must be a string.")
            .Must(NonBlankString).WithErrorCode(nameof(ProblemCode.Required)).WithMessage($"{path} must not be empty.")
            .Must(e => Str(e)!.Length <= maxLength).WithErrorCode(nameof(ProblemCode.TooLong)).WithMessage($"{path} is longer than {maxLength} characters.")
            .Must(e => NoControlChars(Str(e)!)).WithErrorCode(nameof(ProblemCode.Invalid)).WithMessage($"{path} contains control characters.")
            .OverridePropertyName(path);
}

/// <summary>
/// Validates the request envelope (CDS Hooks 2.0 §HTTP Request): <c>hook</c> equals the service's hook,
/// <c>hookInstance</c> is a non-empty string (a UUID per the spec; any opaque id up to 256 characters is accepted),
/// <c>fhirServer</c> an absolute http(s) URL, required when <c>fhirAuthorization</c> is present;
/// <c>fhirAuthorization</c> has access_token, token_type "Bearer", expires_in (integer), scope and subject;
/// <c>context</c> an object; <c>prefetch</c> an object or null; <c>extension</c> an object.
/// </summary>
public sealed class HookEnvelopeValidator : AbstractValidator<RawHookRequest>
{
    public string ExpectedHook { get; }

    public HookEnvelopeValidator(string expectedHook)
    {
        ExpectedHook = expectedHook;

        RuleFor(r => r.Hook).RequiredString("hook", 128);
        RuleFor(r => r.Hook)
            .Must(h => string.Equals(JsonRules.Str(h), expectedHook, StringComparison.Ordinal))
            .When(r => JsonRules.NonBlankString(r.Hook))
            .WithErrorCode(nameof(ProblemCode.Invalid))
            .WithMessage($"hook does not match this service: it serves '{expectedHook}'.")
            .OverridePropertyName("hook");

        RuleFor(r => r.HookInstance).RequiredString("hookInstance", 256);

        RuleFor(r => r.FhirServer)
            .Must(JsonRules.Present)
            .When(r => JsonRules.Present(r.FhirAuthorization))
            .WithErrorCode(nameof(ProblemCode.Required))
            .WithMessage("fhirServer is required when fhirAuthorization is present.")
            .OverridePropertyName("fhirServer");
        RuleFor(r => r.FhirServer)
            .Cascade(CascadeMode.Stop)
            .Must(JsonRules.IsString).WithMessage("fhirServer must be a string.")
            .Must(e => IsHttpUrl(JsonRules.Str(e))).WithMessage("fhirServer must be an absolute http(s) URL.")
            .When(r => JsonRules.Present(r.FhirServer))
            .WithErrorCode(nameof(ProblemCode.Invalid))
            .OverridePropertyName("fhirServer");

        When(r => JsonRules.Present(r.FhirAuthorization), () =>
        {
            RuleFor(r => r.FhirAuthorization)
                .Must(e => e!.Value.ValueKind == JsonValueKind.Object)
                .WithErrorCode(nameof(ProblemCode.Invalid))
                .WithMessage("fhirAuthorization must be an object.")
                .OverridePropertyName("fhirAuthorization");
            When(r => r.FhirAuthorization!.Value.ValueKind == JsonValueKind.Object, () =>
            {
                RuleFor(r => RawHookRequest.Get(r.FhirAuthorization!.Value, "access_token")).RequiredString("fhirAuthorization.access_token", 65536);
                RuleFor(r => RawHookRequest.Get(r.FhirAuthorization!.Value, "token_type")).RequiredString("fhirAuthorization.token_type", 64);
                RuleFor(r => RawHookRequest.Get(r.FhirAuthorization!.Value, "token_type"))
                    .Must(e => string.Equals(JsonRules.Str(e), "Bearer", StringComparison.OrdinalIgnoreCase))
                    .When(r => JsonRules.NonBlankString(RawHookRequest.Get(r.FhirAuthorization!.Value, "token_type")))
                    .WithErrorCode(nameof(ProblemCode.Invalid))
                    .WithMessage("fhirAuthorization.token_type must be 'Bearer'.")
                    .OverridePropertyName("fhirAuthorization.token_type");
                RuleFor(r => RawHookRequest.Get(r.FhirAuthorization!.Value, "expires_in"))
                    .Cascade(CascadeMode.Stop)
                    .Must(JsonRules.Present).WithErrorCode(nameof(ProblemCode.Required)).WithMessage("fhirAuthorization.expires_in is required.")
                    .Must(e => e!.Value.ValueKind == JsonValueKind.Number && e.Value.TryGetInt32(out var s) && s >= 0)
                    .WithErrorCode(nameof(ProblemCode.Invalid)).WithMessage("fhirAuthorization.expires_in must be a non-negative integer.")
                    .OverridePropertyName("fhirAuthorization.expires_in");
                RuleFor(r => RawHookRequest.Get(r.FhirAuthorization!.Value, "scope")).RequiredString("fhirAuthorization.scope", 65536);
                RuleFor(r => RawHookRequest.Get(r.FhirAuthorization!.Value, "subject")).RequiredString("fhirAuthorization.subject", 1024);
            });
        });

        RuleFor(r => r.Context)
            .Cascade(CascadeMode.Stop)
            .Must(JsonRules.Present).WithErrorCode(nameof(ProblemCode.Required)).WithMessage("context is required.")
            .Must(e => e!.Value.ValueKind == JsonValueKind.Object).WithErrorCode(nameof(ProblemCode.Invalid)).WithMessage("context must be an object.")
            .OverridePropertyName("context");

        RuleFor(r => r.Prefetch)
            .Must(e => e!.Value.ValueKind == JsonValueKind.Object)
            .When(r => JsonRules.Present(r.Prefetch))
            .WithErrorCode(nameof(ProblemCode.Invalid))
            .WithMessage("prefetch must be an object.")
            .OverridePropertyName("prefetch");

        RuleFor(r => r.Extension)
            .Must(e => e!.Value.ValueKind == JsonValueKind.Object)
            .When(r => JsonRules.Present(r.Extension))
            .WithErrorCode(nameof(ProblemCode.Invalid))
            .WithMessage("extension must be an object.")
            .OverridePropertyName("extension");
    }

    private static bool IsHttpUrl(string? s) =>
        Uri.TryCreate(s, UriKind.Absolute, out var uri) && (uri.Scheme == Uri.UriSchemeHttps || uri.Scheme == Uri.UriSchemeHttp);
}

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

/// <summary>The validators for the served hooks.</summary>
public static class HookValidators
{
    private static readonly Dictionary<string, IValidator<RawHookContext>> ContextValidators = new(StringComparer.Ordinal)
    {
        [HookNames.PatientView] = new PatientViewContextValidator(),
        [HookNames.OrderSelect] = new OrderSelectContextValidator(),
        [HookNames.OrderSign] = new OrderSignContextValidator(),
    };

    private static readonly Dictionary<string, HookEnvelopeValidator> EnvelopeValidators =
        ContextValidators.Keys.ToDictionary(k => k, k => new HookEnvelopeValidator(k), StringComparer.Ordinal);

    public static IReadOnlyCollection<string> SupportedHooks => ContextValidators.Keys;

    public static bool IsSupported(string hook) => ContextValidators.ContainsKey(hook);

    public static HookEnvelopeValidator Envelope(string hook) =>
        EnvelopeValidators.TryGetValue(hook, out var v) ? v : throw new ArgumentOutOfRangeException(nameof(hook), hook, "Not a served hook.");

    public static IValidator<RawHookContext> Context(string hook) =>
        ContextValidators.TryGetValue(hook, out var v) ? v : throw new ArgumentOutOfRangeException(nameof(hook), hook, "Not a served hook.");

    /// <summary>FluentValidation failures as problems: the property name is the JSON path, the error code a <see cref="ProblemCode"/>.</summary>
    public static IEnumerable<RequestProblem> ToProblems(FluentValidation.Results.ValidationResult result) =>
        result.Errors.Select(f => new RequestProblem(
            f.PropertyName,
            f.ErrorMessage,
            Enum.TryParse<ProblemCode>(f.ErrorCode, out var code) ? code : ProblemCode.Invalid));
}
