namespace Cds.Rules;

/// <summary>One problem found in a rule data file.</summary>
public sealed record RuleValidationError(string File, string Path, string Message)
{
    public override string ToString() => $"{File} {Path}: {Message}";
}
