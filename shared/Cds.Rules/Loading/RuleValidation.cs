namespace Cds.Rules;

/// <summary>One problem found in a rule data file.</summary>
public sealed record RuleValidationError(string File, string Path, string Message)
{
    public override string ToString() => $"{File} {Path}: {Message}";
}

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

/// <summary>Collects the problems of one file; paths are JSON paths such as <c>$.parameters.drugs[0].ingredient</c>.</summary>
internal sealed class ErrorSink(string file, List<RuleValidationError> errors)
{
    public string File { get; } = file;

    public int Count => errors.Count(e => e.File == File);

    public void Add(string path, string message) => errors.Add(new RuleValidationError(File, path, message));
}
