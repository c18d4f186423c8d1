namespace Cds.Rules;

/// <summary>A drug with a known risk of torsades de pointes, by its RxNorm ingredient code and the names it goes by.</summary>
public sealed record QtDrug(string Id, string Display, string Rxnorm, IReadOnlyList<string> Names);
