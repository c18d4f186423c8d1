namespace Cds.Rules;

/// <summary>A kind's parameters (the <c>parameters</c> object of its data file); each kind's folder holds its record.</summary>
public abstract record RuleParameters;
