using System.Text.Json;
using FluentValidation;

namespace Cds.Hooks.Requests;

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
