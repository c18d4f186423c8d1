namespace Cds.Rules;

public sealed record CriticalLabParameters(IReadOnlyList<CriticalLabDefinition> Labs) : RuleParameters;
