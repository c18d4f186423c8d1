using Cds.Contracts;

namespace Cds.Rules;

/// <summary>
/// qt-prolonging: a draft of a QT-prolonging drug while the latest recent QTc is above the limit. No QTc, a stale one
/// or one in an unexpected unit is unknown: no card (as renal dosing treats a missing eGFR), never "QTc normal".
/// </summary>
internal sealed class QtProlongingKind : RuleKind<QtProlongingParameters>
{
    public override string Name => "qt-prolonging";
    public override IReadOnlyList<string> Hooks => DraftOrders.Hooks;
    public override IReadOnlyDictionary<string, IReadOnlyList<string>> Templates { get; } =
        Same(["summary", "detail"], ["drug", "value", "unit", "date", "threshold"]);

    protected override void Check(QtProlongingParameters parameters, DrugVocabulary vocabulary, RuleChecks checks)
    {
        checks.RequiredCodes("qtcCodes", parameters.QtcCodes, CodeSystems.Loinc);
        checks.NotEmpty("units", parameters.Units);
        checks.Positive("maxAgeDays", parameters.MaxAgeDays);
        if (parameters.AboveValue is < 300 or > 700)
        {
            checks.Add("aboveValue", "must be a QTc limit in milliseconds between 300 and 700");
        }

        checks.NotEmpty("drugs", parameters.Drugs);
        for (var i = 0; i < parameters.Drugs.Count; i++)
        {
            var drug = parameters.Drugs[i];
            if (!RuleHeader.IdPattern().IsMatch(drug.Id) || parameters.Drugs.Take(i).Any(d => d.Id == drug.Id))
            {
                checks.Add($"drugs[{i}].id", $"'{drug.Id}' must be a unique id of lower-case letters, digits and dashes");
            }

            if (Terminology.FormatProblem(CodeSystems.RxNorm, drug.Rxnorm, prefix: false) is { } problem)
            {
                checks.Add($"drugs[{i}].rxnorm", problem);
            }
            else if (parameters.Drugs.Take(i).Any(d => d.Rxnorm == drug.Rxnorm))
            {
                checks.Add($"drugs[{i}].rxnorm", $"RxNorm {drug.Rxnorm} is listed twice");
            }

            checks.NotEmpty($"drugs[{i}].names", drug.Names);
        }
    }

    protected override IReadOnlyDictionary<string, string> WorstCase(QtProlongingParameters parameters, DrugVocabulary vocabulary)
    {
        var values = RuleKinds.CommonWorstCase(vocabulary);
        values["drug"] = RuleKinds.Longest(parameters.Drugs.Select(d => d.Display), "drug");
        values["unit"] = RuleKinds.Longest(parameters.Units, "");
        values["threshold"] = CardText.Number(parameters.AboveValue);
        return values;
    }

    protected override IEnumerable<RuleOutcome> Evaluate(QtProlongingParameters parameters, RuleDefinition rule, DrugVocabulary vocabulary, RuleInput input, CardBuilder builder)
    {
        if (input.Context is not { } patient || input.DraftMedications.Count == 0)
        {
            yield break;
        }

        var qtc = ContextFacts.Latest(patient, parameters.QtcCodes, parameters.Units);
        if (qtc is null || qtc.Effective < input.Now.AddDays(-parameters.MaxAgeDays) || qtc.Value <= parameters.AboveValue)
        {
            yield break;
        }

        var drugs = parameters.Recogniser;
        foreach (var (draft, subject, ingredients, recognisedBy) in DraftOrders.Recognised(input, drugs))
        {
            var drug = drugs.Ingredient(ingredients[0])!;
            var values = new Dictionary<string, string>(StringComparer.Ordinal)
            {
                ["drug"] = drug.Display,
                ["value"] = CardText.Number(qtc.Value!.Value),
                ["unit"] = string.IsNullOrWhiteSpace(qtc.Unit) ? parameters.Units[0] : qtc.Unit.Trim(),
                ["date"] = CardText.Date(qtc.Effective!.Value),
                ["threshold"] = CardText.Number(parameters.AboveValue),
            };
            var evidence = DraftOrders.AgainstResult(draft, recognisedBy, drug, "qtc", qtc, parameters.QtcCodes, values);
            yield return builder.Build(subject, rule.Indicator, "summary", "detail", values, evidence, draft);
        }
    }
}
