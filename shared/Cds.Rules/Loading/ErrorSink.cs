namespace Cds.Rules;

/// <summary>Collects the problems of one file; paths are JSON paths such as <c>$.parameters.drugs[0].ingredient</c>.</summary>
internal sealed class ErrorSink(string file, List<RuleValidationError> errors)
{
    public string File { get; } = file;

    public int Count => errors.Count(e => e.File == File);

    public void Add(string path, string message) => errors.Add(new RuleValidationError(File, path, message));
}
