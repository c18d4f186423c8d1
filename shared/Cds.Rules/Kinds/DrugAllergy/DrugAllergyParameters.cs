namespace Cds.Rules;

/// <param name="HighCriticalityIndicator">Indicator when the allergy's criticality is "high" (usually critical).</param>
public sealed record DrugAllergyParameters(string HighCriticalityIndicator) : RuleParameters;
