namespace Cds.Rules;

/// <param name="Units">Accepted spellings of the eGFR unit (all equivalent).</param>
/// <param name="UnitDisplay">How the unit is shown on the card, e.g. "mL/min/1.73 m2" rather than the UCUM code.</param>
public sealed record RenalDosingParameters(
    IReadOnlyList<CodePattern> EgfrCodes,
    IReadOnlyList<string> Units,
    string UnitDisplay,
    int MaxAgeDays,
    IReadOnlyList<RenalDrug> Drugs) : RuleParameters;
