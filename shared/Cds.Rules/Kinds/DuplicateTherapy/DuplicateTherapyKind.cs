using Cds.Contracts;

namespace Cds.Rules;

/// <summary>duplicate-therapy: a draft with the same ingredient as an active medication, or the same listed class.</summary>
internal sealed class DuplicateTherapyKind : RuleKind<DuplicateTherapyParameters>
{
    public override string Name => "duplicate-therapy";
    public override IReadOnlyList<string> Hooks => DraftOrders.Hooks;
    public override IReadOnlyDictionary<string, IReadOnlyList<string>> Templates { get; } =
        Same(["summaryIngredient", "summaryClass", "detailIngredient", "detailClass"], ["drug", "activeDrug", "class"]);

    protected override void Check(DuplicateTherapyParameters parameters, DrugVocabulary vocabulary, RuleChecks checks)
    {
        for (var i = 0; i < parameters.Classes.Count; i++)
        {
            checks.Class($"classes[{i}]", parameters.Classes[i], vocabulary);
        }
    }

    protected override IReadOnlyDictionary<string, string> WorstCase(DuplicateTherapyParameters parameters, DrugVocabulary vocabulary) =>
        RuleKinds.CommonWorstCase(vocabulary);

    /// <summary>A draft with the same ingredient as an active medication, or the same class for the classes the rule lists.</summary>
    protected override IEnumerable<RuleOutcome> Evaluate(DuplicateTherapyParameters parameters, RuleDefinition rule, DrugVocabulary vocabulary, RuleInput input, CardBuilder builder)
    {
        if (input.Context is not { } patient)
        {
            yield break;
        }

        // Recognised once per hook, not once per draft (names are matched by regex).
        var recognisedActives = patient.ActiveMedications
            .Where(ContextFacts.IsActive)
            .Select(m => (Medication: m, Ingredients: vocabulary.IngredientsOf(m.Codes, m.Text)))
            .Where(m => m.Ingredients.Count > 0)
            .ToList();

        foreach (var (draft, subject, ingredients, recognisedBy) in DraftOrders.Recognised(input, vocabulary))
        {
            var actives = recognisedActives.Where(a => !DraftOrders.IsSameOrder(a.Medication, draft)).ToList();

            // Same ingredient first: it is the stronger statement.
            var byIngredient = actives
                .Select(a => (a.Medication, Ingredient: ingredients.FirstOrDefault(i => a.Ingredients.Contains(i, StringComparer.Ordinal))))
                .FirstOrDefault(a => a.Ingredient is not null);
            if (byIngredient.Ingredient is { } shared)
            {
                var ingredient = vocabulary.Ingredient(shared)!;
                var classId = ingredient.Classes.FirstOrDefault();
                var values = new Dictionary<string, string>(StringComparer.Ordinal)
                {
                    ["drug"] = ingredient.Display,
                    ["activeDrug"] = ingredient.Display,
                    ["class"] = classId is null ? "" : vocabulary.Class(classId)!.Display,
                };
                var evidence = Evidence(draft, recognisedBy, byIngredient.Medication, $"ingredient={ingredient.Evidence}", "ingredient");
                yield return builder.Build(subject, rule.Indicator, "summaryIngredient", "detailIngredient", values, evidence, draft);
                continue;
            }

            foreach (var classId in parameters.Classes)
            {
                var draftIngredient = ingredients.FirstOrDefault(i => vocabulary.Ingredient(i)!.Classes.Contains(classId, StringComparer.Ordinal));
                if (draftIngredient is null)
                {
                    continue;
                }

                var active = actives
                    .Select(a => (a.Medication, Ingredient: a.Ingredients.FirstOrDefault(i => vocabulary.Ingredient(i)!.Classes.Contains(classId, StringComparer.Ordinal))))
                    .FirstOrDefault(a => a.Ingredient is not null);
                if (active.Ingredient is null)
                {
                    continue;
                }

                var values = new Dictionary<string, string>(StringComparer.Ordinal)
                {
                    ["drug"] = vocabulary.Ingredient(draftIngredient)!.Display,
                    ["activeDrug"] = vocabulary.Ingredient(active.Ingredient)!.Display,
                    ["class"] = vocabulary.Class(classId)!.Display,
                };
                var evidence = Evidence(draft, recognisedBy, active.Medication, $"class={classId}", "class");
                yield return builder.Build(subject, rule.Indicator, "summaryClass", "detailClass", values, evidence, draft);
                break;
            }
        }
    }

    /// <summary>The draft's codes, how it was recognised, the active medication's codes, what they share and how.</summary>
    private static List<string> Evidence(DraftMedication draft, RecognisedBy by, MedicationEntry active, string shared, string duplicate) =>
        [
            .. ContextFacts.CodesEvidence("draft", draft.Codes),
            .. DraftOrders.RecognitionEvidence(by),
            .. ContextFacts.CodesEvidence("active", active.Codes),
            shared,
            $"duplicate={duplicate}",
        ];
}
