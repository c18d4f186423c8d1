using Cds.Contracts;
using FluentValidation;

namespace Cds.Hooks.Requests;

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
