using System.Text.Json;
using FluentValidation;

namespace Cds.Hooks.Requests;

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
