using Cds.Contracts;

namespace Cds.Rules;

/// <summary>drug-allergy: a draft whose ingredient (or cross-reactive class) is on the patient's active allergy list.</summary>
internal sealed class DrugAllergyKind : RuleKind<DrugAllergyParameters>
{
    private static readonly string[] Criticalities = ["low", "high", "unable-to-assess", "not recorded"];

    public override string Name => "drug-allergy";
    public override IReadOnlyList<string> Hooks => DraftOrders.Hooks;
    public override IReadOnlyDictionary<string, IReadOnlyList<string>> Templates { get; } =
        Same(["summary", "detail"], ["drug", "allergen", "criticality"]);

    protected override void Check(DrugAllergyParameters parameters, DrugVocabulary vocabulary, RuleChecks checks)
    {
        if (!RuleHeader.IsIndicator(parameters.HighCriticalityIndicator))
        {
            checks.Add("highCriticalityIndicator", $"unknown indicator '{parameters.HighCriticalityIndicator}' (info, warning or critical)");
        }
    }

    protected override IReadOnlyDictionary<string, string> WorstCase(DrugAllergyParameters parameters, DrugVocabulary vocabulary)
    {
        var values = RuleKinds.CommonWorstCase(vocabulary);
        values["criticality"] = RuleKinds.Longest(Criticalities, "");
        return values;
    }

    /// <summary>A draft whose ingredient (or class) the patient's active allergy list names.</summary>
    protected override IEnumerable<RuleOutcome> Evaluate(DrugAllergyParameters parameters, RuleDefinition rule, DrugVocabulary vocabulary, RuleInput input, CardBuilder builder)
    {
        if (input.Context is not { } patient)
        {
            yield break;
        }

        var allergies = patient.Allergies.Where(ContextFacts.IsActive)
            .Select(a => (Allergy: a, Allergens: vocabulary.AllergensOf(a.Codes)))
            .Where(a => a.Allergens.Ingredients.Count > 0 || a.Allergens.Classes.Count > 0)
            .ToList();
        if (allergies.Count == 0)
        {
            yield break;
        }

        foreach (var (draft, subject, ingredients, recognisedBy) in DraftOrders.Recognised(input, vocabulary))
        {

            var classes = vocabulary.ClassesOf(ingredients);
            var matches = new List<(AllergyEntry Allergy, string Ingredient, string Allergen, string? ClassId)>();
            foreach (var (allergy, allergens) in allergies)
            {
                var sameIngredient = ingredients.FirstOrDefault(i => allergens.Ingredients.Contains(i, StringComparer.Ordinal));
                if (sameIngredient is not null)
                {
                    matches.Add((allergy, sameIngredient, vocabulary.Ingredient(sameIngredient)!.Display, null));
                    continue;
                }

                var sameClass = classes.FirstOrDefault(c => allergens.Classes.Contains(c, StringComparer.Ordinal));
                if (sameClass is not null)
                {
                    var ingredient = ingredients.First(i => vocabulary.Ingredient(i)!.Classes.Contains(sameClass, StringComparer.Ordinal));
                    matches.Add((allergy, ingredient, vocabulary.Class(sameClass)!.Display, sameClass));
                }
            }

            if (matches.Count == 0)
            {
                continue;
            }

            var criticality = matches.Select(m => m.Allergy.Criticality?.Trim().ToLowerInvariant())
                .OrderBy(c => c switch { "high" => 0, "low" => 1, "unable-to-assess" => 2, _ => 3 })
                .First();
            var indicator = criticality == "high" && parameters.HighCriticalityIndicator is { } high ? high : rule.Indicator;
            var first = matches[0];
            var values = new Dictionary<string, string>(StringComparer.Ordinal)
            {
                ["drug"] = vocabulary.Ingredient(first.Ingredient)!.Display,
                ["allergen"] = first.Allergen,
                ["criticality"] = criticality is "high" or "low" or "unable-to-assess" ? criticality : "not recorded",
            };

            var evidence = new List<string>();
            evidence.AddRange(ContextFacts.CodesEvidence("draft", draft.Codes));
            evidence.AddRange(DraftOrders.RecognitionEvidence(recognisedBy));
            evidence.AddRange(matches.Select(m => m.Ingredient).Distinct(StringComparer.Ordinal)
                .Select(i => $"ingredient={vocabulary.Ingredient(i)!.Evidence}"));
            evidence.AddRange(matches.Where(m => m.ClassId is not null).Select(m => $"class={m.ClassId}").Distinct(StringComparer.Ordinal));
            evidence.AddRange(matches.SelectMany(m => ContextFacts.CodesEvidence("allergy", m.Allergy.Codes)).Distinct(StringComparer.Ordinal));
            evidence.Add($"criticality={values["criticality"]}");

            yield return builder.Build(subject, indicator, "summary", "detail", values, evidence, draft);
        }
    }
}
