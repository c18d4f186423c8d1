using Cds.Contracts;

namespace Cds.Rules;

/// <summary>renal-dosing: a draft on the renal list while the latest recent eGFR is below the drug's threshold.</summary>
internal sealed class RenalDosingKind : RuleKind<RenalDosingParameters>
{
    public override string Name => "renal-dosing";
    public override IReadOnlyList<string> Hooks => DraftOrders.Hooks;
    public override IReadOnlyDictionary<string, IReadOnlyList<string>> Templates { get; } =
        Same(["summary", "detail"], ["drug", "value", "unit", "date", "threshold", "advice"]);

    protected override void Check(RenalDosingParameters parameters, DrugVocabulary vocabulary, RuleChecks checks)
    {
        checks.RequiredCodes("egfrCodes", parameters.EgfrCodes, CodeSystems.Loinc);
        checks.NotEmpty("units", parameters.Units);
        checks.Positive("maxAgeDays", parameters.MaxAgeDays);
        checks.NotEmpty("drugs", parameters.Drugs);
        for (var i = 0; i < parameters.Drugs.Count; i++)
        {
            var drug = parameters.Drugs[i];
            if (checks.Ingredient($"drugs[{i}].ingredient", drug.Ingredient, vocabulary)
                && parameters.Drugs.Take(i).Any(d => d.Ingredient == drug.Ingredient))
            {
                checks.Add($"drugs[{i}].ingredient", $"'{drug.Ingredient}' is listed twice");
            }

            if (drug.EgfrBelow is <= 0 or > 200)
            {
                checks.Add($"drugs[{i}].egfrBelow", "must be a threshold between 0 and 200 mL/min/1.73 m2");
            }
        }
    }

    protected override IReadOnlyDictionary<string, string> WorstCase(RenalDosingParameters parameters, DrugVocabulary vocabulary)
    {
        var values = RuleKinds.CommonWorstCase(vocabulary);
        values["unit"] = parameters.UnitDisplay;
        values["threshold"] = RuleKinds.Longest(parameters.Drugs.Select(d => CardText.Number(d.EgfrBelow)), "");
        values["advice"] = RuleKinds.Longest(parameters.Drugs.Select(d => d.Advice), "");
        values["drug"] = RuleKinds.Longest(parameters.Drugs.Select(d => vocabulary.Ingredient(d.Ingredient)?.Display ?? d.Ingredient), "drug");
        return values;
    }

    /// <summary>A draft on the renal list while the latest eGFR is below its threshold. No eGFR, or a stale one: no card.</summary>
    protected override IEnumerable<RuleOutcome> Evaluate(RenalDosingParameters parameters, RuleDefinition rule, DrugVocabulary vocabulary, RuleInput input, CardBuilder builder)
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

        foreach (var (draft, subject, ingredients, recognisedBy) in DraftOrders.Recognised(input, vocabulary))
        {
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
            var evidence = DraftOrders.AgainstResult(draft, recognisedBy, vocabulary.Ingredient(entry.Ingredient)!, "egfr", egfr, parameters.EgfrCodes, values);
            yield return builder.Build(subject, rule.Indicator, "summary", "detail", values, evidence, draft);
        }
    }
}
