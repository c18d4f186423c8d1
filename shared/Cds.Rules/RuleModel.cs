using System.Text.RegularExpressions;
using Cds.Contracts;

namespace Cds.Rules;

/// <summary>The kinds of rule the engine knows how to evaluate. A data file names its kind in <c>"kind"</c>.</summary>
public enum RuleKind
{
    DrugAllergy,
    DuplicateTherapy,
    RenalDosing,
    DiabetesHbA1cGap,
    CriticalLab,
}

public static class RuleKinds
{
    public const string DrugVocabulary = "drug-vocabulary";

    public static readonly IReadOnlyDictionary<string, RuleKind> ByName = new Dictionary<string, RuleKind>(StringComparer.Ordinal)
    {
        ["drug-allergy"] = RuleKind.DrugAllergy,
        ["duplicate-therapy"] = RuleKind.DuplicateTherapy,
        ["renal-dosing"] = RuleKind.RenalDosing,
        ["diabetes-hba1c-gap"] = RuleKind.DiabetesHbA1cGap,
        ["critical-lab"] = RuleKind.CriticalLab,
    };

    /// <summary>Hooks a kind may be bound to: medication rules need draft orders, patient rules run on chart open.</summary>
    public static IReadOnlyList<string> AllowedHooks(RuleKind kind) => kind switch
    {
        RuleKind.DrugAllergy or RuleKind.DuplicateTherapy or RuleKind.RenalDosing => [HookNames.OrderSelect, HookNames.OrderSign],
        _ => [HookNames.PatientView],
    };

    /// <summary>Templates each kind must define, with the placeholders each may use.</summary>
    public static IReadOnlyDictionary<string, IReadOnlyList<string>> Templates(RuleKind kind) => kind switch
    {
        RuleKind.DrugAllergy => Same(["summary", "detail"], ["drug", "allergen", "criticality"]),
        RuleKind.DuplicateTherapy => Same(["summaryIngredient", "summaryClass", "detailIngredient", "detailClass"], ["drug", "activeDrug", "class"]),
        RuleKind.RenalDosing => Same(["summary", "detail"], ["drug", "value", "unit", "date", "threshold", "advice"]),
        RuleKind.DiabetesHbA1cGap => Same(
            ["summaryNoneOnRecord", "summaryOverdue", "summaryAboveTarget", "detailNoneOnRecord", "detailOverdue", "detailAboveTarget"],
            ["value", "unit", "date", "months", "target"]),
        RuleKind.CriticalLab => Same(["summary", "detail"], ["lab", "value", "unit", "date", "limit", "direction"]),
        _ => throw new ArgumentOutOfRangeException(nameof(kind)),
    };

    /// <summary>Whether a kind's cards can carry a "remove the draft order" suggestion.</summary>
    public static bool HasDraft(RuleKind kind) => kind is RuleKind.DrugAllergy or RuleKind.DuplicateTherapy or RuleKind.RenalDosing;

    private static Dictionary<string, IReadOnlyList<string>> Same(string[] names, string[] placeholders) =>
        names.ToDictionary(n => n, _ => (IReadOnlyList<string>)placeholders, StringComparer.Ordinal);
}

/// <summary>Validated, immutable rules plus the drug vocabulary they share. Build it with <see cref="RuleSetLoader.Load"/>.</summary>
public sealed class RuleSet
{
    internal RuleSet(IReadOnlyList<RuleDefinition> rules, DrugVocabulary vocabulary)
    {
        Rules = rules;
        Vocabulary = vocabulary;
        Versions = [.. rules.Select(r => $"{r.Id}@{r.Version}"), $"{vocabulary.Id}@{vocabulary.Version}"];
    }

    public IReadOnlyList<RuleDefinition> Rules { get; }
    public DrugVocabulary Vocabulary { get; }

    /// <summary>"id@version" of every rule and of the vocabulary, for <c>HookEvaluated.RuleVersions</c>.</summary>
    public IReadOnlyList<string> Versions { get; }

    public IEnumerable<RuleDefinition> RulesFor(string hook) => Rules.Where(r => r.Hooks.Contains(hook, StringComparer.Ordinal));
}

public sealed record RuleSource(string Label, string Url);

/// <summary>Text of the "remove the draft order" suggestion; both may use the placeholder {drug}.</summary>
public sealed record SuggestionTemplate(string Label, string Description);

/// <summary>One rule, as read from its data file.</summary>
public sealed record RuleDefinition
{
    public required string Id { get; init; }
    public required string Version { get; init; }
    public required RuleKind Kind { get; init; }
    public required string File { get; init; }
    public required IReadOnlyList<string> Hooks { get; init; }
    public required Coding Topic { get; init; }
    public required RuleSource Source { get; init; }
    public required string Indicator { get; init; }
    /// <summary>Drug–allergy: indicator when the allergy's criticality is "high".</summary>
    public string? HighCriticalityIndicator { get; init; }
    /// <summary>Flag findings for documentation even when not critical (critical ones always are).</summary>
    public bool FlagForDocumentation { get; init; }
    public IReadOnlyList<OverrideReason> OverrideReasons { get; init; } = [];
    public SuggestionTemplate? Suggestion { get; init; }
    public required IReadOnlyDictionary<string, string> Templates { get; init; }
    public required RuleParameters Parameters { get; init; }
}

public abstract record RuleParameters;

public sealed record DrugAllergyParameters : RuleParameters;

/// <summary>Same ingredient is always a duplicate; same class only for the classes listed.</summary>
public sealed record DuplicateTherapyParameters(IReadOnlyList<string> Classes) : RuleParameters;

public sealed record RenalDrug(string Ingredient, decimal EgfrBelow, string Advice);

/// <param name="Units">Accepted spellings of the eGFR unit (all equivalent).</param>
/// <param name="UnitDisplay">How the unit is shown on the card, e.g. "mL/min/1.73 m2" rather than the UCUM code.</param>
public sealed record RenalDosingParameters(
    IReadOnlyList<CodePattern> EgfrCodes,
    IReadOnlyList<string> Units,
    string UnitDisplay,
    int MaxAgeDays,
    IReadOnlyList<RenalDrug> Drugs) : RuleParameters;

/// <param name="RelatedCodes">
/// Other codes of the same analyte the rule cannot compare (another method or unit). Their presence means an HbA1c
/// may exist, so no "none"/"overdue" claim is made from the comparable codes alone.
/// </param>
public sealed record DiabetesHbA1cParameters(
    IReadOnlyList<CodePattern> ConditionCodes,
    IReadOnlyList<CodePattern> HbA1cCodes,
    IReadOnlyList<CodePattern> RelatedCodes,
    IReadOnlyList<string> Units,
    int LookbackMonths,
    decimal AboveValue) : RuleParameters;

public sealed record CriticalLabDefinition(
    string Id,
    string Display,
    IReadOnlyList<CodePattern> Codes,
    IReadOnlyList<string> Units,
    decimal? Above,
    decimal? Below,
    int MaxAgeHours);

public sealed record CriticalLabParameters(IReadOnlyList<CriticalLabDefinition> Labs) : RuleParameters;

public sealed record DrugClass(string Id, string Display, bool CrossReactiveAllergy, IReadOnlyList<CodePattern> AllergyCodes);

/// <param name="RxNorm">The RxNorm ingredient (IN) code; null when only the names are known.</param>
/// <param name="Names">
/// Names the ingredient goes by in RxNorm names and medication text (whole words, case-insensitive), e.g. "metformin"
/// in "24 HR Metformin hydrochloride 500 MG Extended Release Oral Tablet".
/// </param>
public sealed record Ingredient(
    string Id,
    string Display,
    string? RxNorm,
    IReadOnlyList<string> Classes,
    IReadOnlyList<CodePattern> Products,
    IReadOnlyList<CodePattern> AllergyCodes,
    IReadOnlyList<string>? Names = null)
{
    /// <summary>Name-free evidence: "rxnorm|6809", or "ingredient:piperacillin" for an ingredient known by name only.</summary>
    public string Evidence => RxNorm is null ? $"ingredient:{Id}" : Terminology.Evidence(CodeSystems.RxNorm, RxNorm);
}

/// <summary>How a medication was recognised: by a listed product code, by its ingredient code, or by an ingredient name.</summary>
public enum RecognisedBy
{
    None,
    Code,
    Name,
}

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
