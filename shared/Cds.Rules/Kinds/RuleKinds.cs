namespace Cds.Rules;

/// <summary>Every kind in this assembly, found by <see cref="IRuleKind"/> (no list to keep up to date).</summary>
internal static class RuleKinds
{
    public const string DrugVocabulary = "drug-vocabulary";

    public static readonly IReadOnlyDictionary<string, IRuleKind> ByName = typeof(IRuleKind).Assembly.GetTypes()
        .Where(t => t is { IsClass: true, IsAbstract: false } && typeof(IRuleKind).IsAssignableFrom(t))
        .Select(t => (IRuleKind)Activator.CreateInstance(t)!)
        .ToDictionary(k => k.Name, StringComparer.Ordinal);

    /// <summary>Worst-case values every kind shares: the longest drug, class and allergen names, dates and values.</summary>
    public static Dictionary<string, string> CommonWorstCase(DrugVocabulary vocabulary)
    {
        var drugs = vocabulary.Ingredients.Select(i => i.Display).ToList();
        var classes = vocabulary.Classes.Select(c => c.Display).ToList();
        return new Dictionary<string, string>(StringComparer.Ordinal)
        {
            ["drug"] = Longest(drugs, "drug"),
            ["activeDrug"] = Longest(drugs, "drug"),
            ["class"] = Longest(classes, "class"),
            ["allergen"] = Longest(drugs.Concat(classes), "allergen"),
            ["value"] = "99999.999",
            ["date"] = "2099-12-31",
        };
    }

    /// <summary>Whether a kind reads draft orders (runs only on the order hooks), so its cards can remove the draft.</summary>
    public static bool ReadsDrafts(IRuleKind kind) => kind.Hooks.All(h => DraftOrders.Hooks.Contains(h, StringComparer.Ordinal));

    public static string Longest(IEnumerable<string> values, string fallback) => values.DefaultIfEmpty(fallback).MaxBy(v => v.Length)!;
}
