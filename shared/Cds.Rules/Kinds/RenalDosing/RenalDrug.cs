namespace Cds.Rules;

public sealed record RenalDrug(string Ingredient, decimal EgfrBelow, string Advice);
