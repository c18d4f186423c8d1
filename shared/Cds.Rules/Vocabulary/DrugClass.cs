namespace Cds.Rules;

public sealed record DrugClass(string Id, string Display, bool CrossReactiveAllergy, IReadOnlyList<CodePattern> AllergyCodes);
