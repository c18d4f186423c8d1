using System.Text.RegularExpressions;
using Cds.Contracts;

namespace Cds.Rules;

/// <summary>The shape of <c>drug-vocabulary.json</c> (read by System.Text.Json; what it means is checked by <see cref="Check"/>).</summary>
internal sealed partial record VocabularyFile
{
    public required string Id { get; init; }
    public required string Version { get; init; }
    public required string Kind { get; init; }
    public string? Description { get; init; }
    public required IReadOnlyList<ClassEntry> Classes { get; init; }
    public required IReadOnlyList<IngredientEntry> Ingredients { get; init; }

    internal sealed record ClassEntry
    {
        public required string Id { get; init; }
        public required string Display { get; init; }
        public bool CrossReactiveAllergy { get; init; }
        public IReadOnlyList<CodePattern> AllergyCodes { get; init; } = [];
    }

    internal sealed record IngredientEntry
    {
        public required string Id { get; init; }
        public required string Display { get; init; }
        public string? Rxnorm { get; init; }
        public IReadOnlyList<string> Classes { get; init; } = [];
        public IReadOnlyList<CodePattern> Products { get; init; } = [];
        public IReadOnlyList<CodePattern> AllergyCodes { get; init; } = [];
        public IReadOnlyList<string> Names { get; init; } = [];
    }

    /// <summary>An ingredient name as RxNorm spells it: words of letters/digits, separated by a space or a dash.</summary>
    [GeneratedRegex(@"^(?=.{4,80}$)[A-Za-z0-9]+([ -][A-Za-z0-9]+)*$")]
    private static partial Regex NamePattern();

    /// <summary>The vocabulary, or null after recording every semantic problem (ids, references, codes, names).</summary>
    public DrugVocabulary? Check(ErrorSink sink)
    {
        var before = sink.Count;
        var checks = new RuleChecks(sink, "$");
        RuleHeader.CheckIdentity(Id, Version, sink);
        for (var n = 0; n < Classes.Count; n++)
        {
            var c = Classes[n];
            Unique($"classes[{n}]", c.Id, Classes.Take(n).Select(x => x.Id), "class", checks);
            checks.Codes($"classes[{n}].allergyCodes", c.AllergyCodes, CodeSystems.Snomed, CodeSystems.RxNorm);
        }

        var codes = new Dictionary<string, string>(StringComparer.Ordinal);
        var names = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        for (var n = 0; n < Ingredients.Count; n++)
        {
            var i = Ingredients[n];
            var at = $"ingredients[{n}]";
            Unique(at, i.Id, Ingredients.Take(n).Select(x => x.Id), "ingredient", checks);
            if (i.Rxnorm is { } rxnorm && Terminology.FormatProblem(CodeSystems.RxNorm, rxnorm, prefix: false) is { } problem)
            {
                checks.Add($"{at}.rxnorm", problem);
            }
            else if (i.Rxnorm is not null && !codes.TryAdd(i.Rxnorm, i.Id))
            {
                checks.Add($"{at}.rxnorm", $"RxNorm {i.Rxnorm} is already the code of ingredient '{codes[i.Rxnorm]}'");
            }
            else if (i.Rxnorm is null && i.Names.Count == 0)
            {
                checks.Add($"{at}.rxnorm", "an ingredient needs its RxNorm ingredient code, its names, or both");
            }

            for (var k = 0; k < i.Classes.Count; k++)
            {
                if (Classes.All(c => c.Id != i.Classes[k]))
                {
                    checks.Add($"{at}.classes[{k}]", $"unknown class '{i.Classes[k]}'");
                }
            }

            checks.Codes($"{at}.products", i.Products, CodeSystems.RxNorm);
            checks.Codes($"{at}.allergyCodes", i.AllergyCodes, CodeSystems.Snomed);
            for (var k = 0; k < i.Names.Count; k++)
            {
                var name = i.Names[k].Trim();
                if (!NamePattern().IsMatch(name))
                {
                    checks.Add($"{at}.names[{k}]", $"'{i.Names[k]}' is not an ingredient name (letters, digits, spaces and dashes; at least 4 characters)");
                }
                else if (!names.TryAdd(name, i.Id))
                {
                    checks.Add($"{at}.names[{k}]", $"name '{name}' is already a name of ingredient '{names[name]}'");
                }
            }
        }

        // A product code must not also be an ingredient code (it would map the product to the wrong ingredient).
        foreach (var i in Ingredients)
        {
            foreach (var product in i.Products.Where(p => codes.ContainsKey(p.Code)))
            {
                sink.Add($"$.ingredients (ingredient '{i.Id}')", $"product {product.Code} is the ingredient code of '{codes[product.Code]}'");
            }
        }

        return sink.Count > before ? null : new DrugVocabulary(Id, Version,
            [.. Ingredients.Select(i => new Ingredient(i.Id, i.Display, i.Rxnorm, i.Classes, i.Products, i.AllergyCodes, [.. i.Names.Select(x => x.Trim())]))],
            [.. Classes.Select(c => new DrugClass(c.Id, c.Display, c.CrossReactiveAllergy, c.AllergyCodes))]);
    }

    private static void Unique(string at, string id, IEnumerable<string> earlier, string what, RuleChecks checks)
    {
        if (!RuleHeader.IdPattern().IsMatch(id))
        {
            checks.Add($"{at}.id", $"'{id}' must be lower-case letters, digits and dashes");
        }
        else if (earlier.Contains(id, StringComparer.Ordinal))
        {
            checks.Add($"{at}.id", $"duplicate {what} id '{id}'");
        }
    }
}
