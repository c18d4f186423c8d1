using System.Text.Json.Serialization;

namespace Cds.Rules;

/// <param name="RelatedCodes">
/// Other codes of the same analyte the rule cannot compare (another method or unit). Their presence means an HbA1c
/// may exist, so no "none"/"overdue" claim is made from the comparable codes alone.
/// </param>
public sealed record DiabetesHbA1cParameters(
    IReadOnlyList<CodePattern> ConditionCodes,
    [property: JsonPropertyName("hba1cCodes")] IReadOnlyList<CodePattern> HbA1cCodes,
    IReadOnlyList<CodePattern> RelatedCodes,
    IReadOnlyList<string> Units,
    int LookbackMonths,
    decimal AboveValue) : RuleParameters;
