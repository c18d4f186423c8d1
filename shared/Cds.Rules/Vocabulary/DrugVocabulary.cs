using System.Text.RegularExpressions;
using Cds.Contracts;

namespace Cds.Rules;

/// <summary>
/// Ingredients (RxNorm IN) with their common products (SCD), names and classes, and the allergy codes that name them.
/// Resolves a medication's codes (or, failing them, the names in its codings and text) to ingredients and an
/// allergy's codes to ingredients/classes.
/// </summary>
public sealed class DrugVocabulary
{
    private readonly Dictionary<string, Ingredient> _ingredients;
    private readonly Dictionary<string, DrugClass> _classes;
    private readonly Dictionary<string, List<string>> _rxNormToIngredients = new(StringComparer.Ordinal);
    private readonly List<(Regex Pattern, string IngredientId)> _names = [];

    internal DrugVocabulary(string id, string version, IReadOnlyList<Ingredient> ingredients, IReadOnlyList<DrugClass> classes)
    {
        Id = id;
        Version = version;
        _ingredients = ingredients.ToDictionary(i => i.Id, StringComparer.Ordinal);
        _classes = classes.ToDictionary(c => c.Id, StringComparer.Ordinal);
        foreach (var ingredient in ingredients)
        {
            if (ingredient.RxNorm is not null)
            {
                Add(ingredient.RxNorm, ingredient.Id);
            }
            foreach (var product in ingredient.Products)
            {
                Add(product.Code, ingredient.Id);
            }
            foreach (var name in ingredient.Names ?? [])
            {
                _names.Add((WholeWords(name), ingredient.Id));
            }
        }
    }

    /// <summary>
    /// A name as whole words, case-insensitive: "penicillin V" matches "Penicillin V Potassium 250 MG Oral Tablet" and
    /// "amoxicillin" matches "amoxicillin / clavulanate", but "penicillin" never matches "penicillamine".
    /// </summary>
    internal static Regex WholeWords(string name)
    {
        var words = name.Split(' ', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).Select(Regex.Escape);
        return new Regex(@"(?<![\p{L}\p{N}])" + string.Join(@"[\s\-]+", words) + @"(?![\p{L}\p{N}])",
            RegexOptions.IgnoreCase | RegexOptions.CultureInvariant | RegexOptions.Compiled, TimeSpan.FromMilliseconds(100));
    }

    public string Id { get; }
    public string Version { get; }
    public IReadOnlyCollection<Ingredient> Ingredients => _ingredients.Values;
    public IReadOnlyCollection<DrugClass> Classes => _classes.Values;

    public Ingredient? Ingredient(string id) => _ingredients.GetValueOrDefault(id);
    public DrugClass? Class(string id) => _classes.GetValueOrDefault(id);

    /// <summary>Ingredient ids of a medication, from its RxNorm ingredient or product codes (sorted, distinct).</summary>
    public IReadOnlyList<string> IngredientsOf(IEnumerable<ClinicalCode> codes)
    {
        var found = new SortedSet<string>(StringComparer.Ordinal);
        foreach (var code in codes)
        {
            if (Terminology.CanonicalSystem(code.System) == CodeSystems.RxNorm && !string.IsNullOrWhiteSpace(code.Code)
                && _rxNormToIngredients.TryGetValue(code.Code.Trim(), out var ids))
            {
                found.UnionWith(ids);
            }
        }

        return [.. found];
    }

    /// <summary>
    /// Ingredient ids of a medication: its listed product or RxNorm ingredient codes first; only when no code is known,
    /// the ingredient names in its codings' displays and its text (an unlisted product such as "24 HR Metformin
    /// hydrochloride 500 MG Extended Release Oral Tablet", or a local code with a name).
    /// </summary>
    public (IReadOnlyList<string> Ingredients, RecognisedBy By) Recognise(IReadOnlyList<ClinicalCode> codes, string? text)
    {
        var byCode = IngredientsOf(codes);
        if (byCode.Count > 0)
        {
            return (byCode, RecognisedBy.Code);
        }

        var found = new SortedSet<string>(StringComparer.Ordinal);
        foreach (var name in codes.Select(c => c.Display).Append(text).Where(n => !string.IsNullOrWhiteSpace(n)))
        {
            foreach (var (pattern, id) in _names)
            {
                try
                {
                    if (pattern.IsMatch(name!))
                    {
                        found.Add(id);
                    }
                }
                catch (RegexMatchTimeoutException)
                {
                    // A pathological text is not a name; the medication stays unrecognised (and is counted so).
                }
            }
        }

        return found.Count > 0 ? ([.. found], RecognisedBy.Name) : ([], RecognisedBy.None);
    }

    /// <summary>Ingredient ids of a medication by <see cref="Recognise"/>.</summary>
    public IReadOnlyList<string> IngredientsOf(IReadOnlyList<ClinicalCode> codes, string? text) => Recognise(codes, text).Ingredients;

    public IReadOnlyList<string> ClassesOf(IEnumerable<string> ingredientIds) =>
        [.. ingredientIds.SelectMany(i => _ingredients.TryGetValue(i, out var ing) ? ing.Classes : []).Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal)];

    /// <summary>
    /// What an allergy's codes name: ingredients (by RxNorm ingredient/product code or a listed allergy code) and classes
    /// (by a class allergy code, or through a named ingredient of a cross-reactive class).
    /// </summary>
    public (IReadOnlyList<string> Ingredients, IReadOnlyList<string> Classes) AllergensOf(IReadOnlyList<ClinicalCode> codes)
    {
        var ingredients = new SortedSet<string>(IngredientsOf(codes), StringComparer.Ordinal);
        foreach (var ingredient in _ingredients.Values)
        {
            if (ingredient.AllergyCodes.Any(p => p.MatchesAny(codes)))
            {
                ingredients.Add(ingredient.Id);
            }
        }

        var classes = new SortedSet<string>(StringComparer.Ordinal);
        foreach (var drugClass in _classes.Values)
        {
            if (drugClass.AllergyCodes.Any(p => p.MatchesAny(codes)))
            {
                classes.Add(drugClass.Id);
            }
        }

        foreach (var id in ingredients)
        {
            foreach (var classId in _ingredients[id].Classes)
            {
                if (_classes.TryGetValue(classId, out var drugClass) && drugClass.CrossReactiveAllergy)
                {
                    classes.Add(classId);
                }
            }
        }

        return ([.. ingredients], [.. classes]);
    }

    private void Add(string rxnorm, string ingredientId)
    {
        if (!_rxNormToIngredients.TryGetValue(rxnorm, out var list))
        {
            _rxNormToIngredients[rxnorm] = list = [];
        }

        if (!list.Contains(ingredientId, StringComparer.Ordinal))
        {
            list.Add(ingredientId);
        }
    }
}
