namespace Cds.Rules;

/// <param name="QtcCodes">LOINC codes of a corrected QT interval (any correction formula).</param>
/// <param name="Units">Accepted spellings of milliseconds; a QTc in another unit is unknown, not normal.</param>
/// <param name="AboveValue">QTc (ms) above which the drugs are flagged, e.g. 500.</param>
/// <param name="Drugs">The drugs of this rule; its own list, not the shared vocabulary's.</param>
public sealed record QtProlongingParameters(
    IReadOnlyList<CodePattern> QtcCodes,
    IReadOnlyList<string> Units,
    decimal AboveValue,
    int MaxAgeDays,
    IReadOnlyList<QtDrug> Drugs) : RuleParameters
{
    private DrugVocabulary? _recogniser;

    /// <summary>Recognises the drugs in a draft as the shared vocabulary does (code first, then whole-word names).</summary>
    internal DrugVocabulary Recogniser => _recogniser ??= new DrugVocabulary("qt-prolonging-drugs", "1",
        [.. Drugs.Select(d => new Ingredient(d.Id, d.Display, d.Rxnorm, [], [], [], d.Names))], []);
}
