namespace Cds.Rules;

/// <summary>Same ingredient is always a duplicate; same class only for the classes listed.</summary>
public sealed record DuplicateTherapyParameters(IReadOnlyList<string> Classes) : RuleParameters;
