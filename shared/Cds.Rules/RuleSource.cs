namespace Cds.Rules;

public sealed record RuleSource(string Label, string Url);
