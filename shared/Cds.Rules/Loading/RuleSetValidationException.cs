namespace Cds.Rules;

/// <summary>Every problem found while loading a rule set, in one exception (file and JSON path for each).</summary>
public sealed class RuleSetValidationException : Exception
{
    public RuleSetValidationException(IReadOnlyList<RuleValidationError> errors)
        : base(BuildMessage(errors))
    {
        Errors = errors;
    }

    public IReadOnlyList<RuleValidationError> Errors { get; }

    private static string BuildMessage(IReadOnlyList<RuleValidationError> errors) =>
        $"The clinical rule set is invalid ({errors.Count} problem{(errors.Count == 1 ? "" : "s")}):"
        + string.Concat(errors.Select(e => Environment.NewLine + "  - " + e));
}
