using Cds.Contracts;

namespace Cds.Rules;

/// <summary>Order-hook rules: each compares the draft medications with what the chart holds.</summary>
internal static class MedicationRules
{
    /// <summary>A draft whose ingredient (or class) the patient's active allergy list names.</summary>
    public static IEnumerable<RuleOutcome> DrugAllergy(RuleDefinition rule, DrugVocabulary vocabulary, RuleInput input, CardBuilder builder)
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

        for (var index = 0; index < input.DraftMedications.Count; index++)
        {
            var draft = input.DraftMedications[index];
            var (ingredients, recognisedBy) = vocabulary.Recognise(draft.Codes, draft.Text);
            if (ingredients.Count == 0)
            {
                continue;
            }

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
            var indicator = criticality == "high" && rule.HighCriticalityIndicator is { } high ? high : rule.Indicator;
            var first = matches[0];
            var values = new Dictionary<string, string>(StringComparer.Ordinal)
            {
                ["drug"] = vocabulary.Ingredient(first.Ingredient)!.Display,
                ["allergen"] = first.Allergen,
                ["criticality"] = criticality is "high" or "low" or "unable-to-assess" ? criticality : "not recorded",
            };

            var evidence = new List<string>();
            evidence.AddRange(ContextFacts.CodesEvidence("draft", draft.Codes));
            evidence.AddRange(RecognitionEvidence(recognisedBy));
            evidence.AddRange(matches.Select(m => m.Ingredient).Distinct(StringComparer.Ordinal)
                .Select(i => $"ingredient={vocabulary.Ingredient(i)!.Evidence}"));
            evidence.AddRange(matches.Where(m => m.ClassId is not null).Select(m => $"class={m.ClassId}").Distinct(StringComparer.Ordinal));
            evidence.AddRange(matches.SelectMany(m => ContextFacts.CodesEvidence("allergy", m.Allergy.Codes)).Distinct(StringComparer.Ordinal));
            evidence.Add($"criticality={values["criticality"]}");

            yield return builder.Build(DraftSubject(draft, index), indicator, "summary", "detail", values, evidence, draft);
        }
    }

    /// <summary>A draft with the same ingredient as an active medication, or the same class for the classes the rule lists.</summary>
    public static IEnumerable<RuleOutcome> DuplicateTherapy(DuplicateTherapyParameters parameters, DrugVocabulary vocabulary, RuleInput input, CardBuilder builder)
    {
        if (input.Context is not { } patient)
        {
            yield break;
        }

        for (var index = 0; index < input.DraftMedications.Count; index++)
        {
            var draft = input.DraftMedications[index];
            var (ingredients, recognisedBy) = vocabulary.Recognise(draft.Codes, draft.Text);
            if (ingredients.Count == 0)
            {
                continue;
            }

            var actives = patient.ActiveMedications
                .Where(m => ContextFacts.IsActive(m) && !IsSameOrder(m, draft))
                .Select(m => (Medication: m, Ingredients: vocabulary.IngredientsOf(m.Codes, m.Text)))
                .Where(m => m.Ingredients.Count > 0)
                .ToList();

            // Same ingredient first: it is the stronger statement.
            var byIngredient = actives
                .Select(a => (a.Medication, Ingredient: ingredients.FirstOrDefault(i => a.Ingredients.Contains(i, StringComparer.Ordinal))))
                .FirstOrDefault(a => a.Ingredient is not null);
            if (byIngredient.Ingredient is { } shared)
            {
                var display = vocabulary.Ingredient(shared)!.Display;
                var classId = vocabulary.Ingredient(shared)!.Classes.FirstOrDefault();
                var values = new Dictionary<string, string>(StringComparer.Ordinal)
                {
                    ["drug"] = display,
                    ["activeDrug"] = display,
                    ["class"] = classId is null ? "" : vocabulary.Class(classId)!.Display,
                };
                var evidence = ContextFacts.CodesEvidence("draft", draft.Codes)
                    .Concat(RecognitionEvidence(recognisedBy))
                    .Concat(ContextFacts.CodesEvidence("active", byIngredient.Medication.Codes))
                    .Append($"ingredient={vocabulary.Ingredient(shared)!.Evidence}")
                    .Append("duplicate=ingredient")
                    .ToList();
                yield return builder.Build(DraftSubject(draft, index), builder.Rule.Indicator, "summaryIngredient", "detailIngredient", values, evidence, draft);
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
                var evidence = ContextFacts.CodesEvidence("draft", draft.Codes)
                    .Concat(RecognitionEvidence(recognisedBy))
                    .Concat(ContextFacts.CodesEvidence("active", active.Medication.Codes))
                    .Append($"class={classId}")
                    .Append("duplicate=class")
                    .ToList();
                yield return builder.Build(DraftSubject(draft, index), builder.Rule.Indicator, "summaryClass", "detailClass", values, evidence, draft);
                break;
            }
        }
    }

    /// <summary>A draft on the renal list while the latest eGFR is below its threshold. No eGFR, or a stale one: no card.</summary>
    public static IEnumerable<RuleOutcome> RenalDosing(RenalDosingParameters parameters, DrugVocabulary vocabulary, RuleInput input, CardBuilder builder)
    {
        if (input.Context is not { } patient || input.DraftMedications.Count == 0)
        {
            yield break;
        }

        var egfr = ContextFacts.Latest(patient, parameters.EgfrCodes, parameters.Units);
        if (egfr is null || egfr.Effective < input.Now.AddDays(-parameters.MaxAgeDays))
        {
            yield break;
        }

        for (var index = 0; index < input.DraftMedications.Count; index++)
        {
            var draft = input.DraftMedications[index];
            var (ingredients, recognisedBy) = vocabulary.Recognise(draft.Codes, draft.Text);
            var entry = parameters.Drugs.FirstOrDefault(d => ingredients.Contains(d.Ingredient, StringComparer.Ordinal));
            if (entry is null || egfr.Value >= entry.EgfrBelow)
            {
                continue;
            }

            var values = new Dictionary<string, string>(StringComparer.Ordinal)
            {
                ["drug"] = vocabulary.Ingredient(entry.Ingredient)!.Display,
                ["value"] = CardText.Number(egfr.Value!.Value),
                ["unit"] = parameters.UnitDisplay,
                ["date"] = CardText.Date(egfr.Effective!.Value),
                ["threshold"] = CardText.Number(entry.EgfrBelow),
                ["advice"] = entry.Advice,
            };
            var evidence = ContextFacts.CodesEvidence("draft", draft.Codes)
                .Concat(RecognitionEvidence(recognisedBy))
                .Append($"ingredient={vocabulary.Ingredient(entry.Ingredient)!.Evidence}")
                .Append($"egfr={ContextFacts.MatchedCode(egfr.Codes, parameters.EgfrCodes)}")
                .Append($"value={values["value"]}")
                .Append($"unit={(string.IsNullOrWhiteSpace(egfr.Unit) ? "none" : egfr.Unit.Trim())}")
                .Append($"effective={values["date"]}")
                .Append($"threshold={values["threshold"]}")
                .ToList();
            yield return builder.Build(DraftSubject(draft, index), builder.Rule.Indicator, "summary", "detail", values, evidence, draft);
        }
    }

    /// <summary>"recognised-by=name" when the draft's ingredient came from its name, not a code (for audit).</summary>
    private static IEnumerable<string> RecognitionEvidence(RecognisedBy by) => by == RecognisedBy.Name ? ["recognised-by=name"] : [];

    /// <summary>Stable subject of a draft for its card uuid: the request id, or its position and codes.</summary>
    private static string DraftSubject(DraftMedication draft, int index) =>
        !string.IsNullOrWhiteSpace(draft.RequestId)
            ? $"draft:{draft.RequestId.Trim()}"
            : $"draft#{index}:{string.Join(",", draft.Codes.Select(c => $"{c.System}|{c.Code}").Order(StringComparer.Ordinal))}";

    /// <summary>The context may list the draft itself among the medications; it is not a duplicate of itself.</summary>
    private static bool IsSameOrder(MedicationEntry medication, DraftMedication draft)
    {
        if (string.IsNullOrWhiteSpace(medication.Id) || string.IsNullOrWhiteSpace(draft.RequestId))
        {
            return false;
        }

        static string Last(string reference) => reference.Trim().Split('/')[^1];
        return string.Equals(Last(medication.Id), Last(draft.RequestId), StringComparison.Ordinal);
    }
}
