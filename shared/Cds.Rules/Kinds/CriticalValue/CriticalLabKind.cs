using System.Globalization;
using Cds.Contracts;

namespace Cds.Rules;

/// <summary>critical-lab (a critical value): the latest recent result of a listed lab beyond its critical limit.</summary>
internal sealed class CriticalLabKind : RuleKind<CriticalLabParameters>
{
    public override string Name => "critical-lab";
    public override IReadOnlyList<string> Hooks { get; } = [HookNames.PatientView];
    public override IReadOnlyDictionary<string, IReadOnlyList<string>> Templates { get; } =
        Same(["summary", "detail"], ["lab", "value", "unit", "date", "limit", "direction"]);

    protected override void Check(CriticalLabParameters parameters, DrugVocabulary vocabulary, RuleChecks checks)
    {
        checks.NotEmpty("labs", parameters.Labs);
        for (var i = 0; i < parameters.Labs.Count; i++)
        {
            var lab = parameters.Labs[i];
            var at = $"labs[{i}]";
            checks.RequiredCodes($"{at}.codes", lab.Codes, CodeSystems.Loinc);
            checks.NotEmpty($"{at}.units", lab.Units);
            checks.Positive($"{at}.maxAgeHours", lab.MaxAgeHours);
            if (lab.Above is null && lab.Below is null)
            {
                checks.Add($"{at}.above", "a critical lab needs a threshold: 'above', 'below' or both");
            }
            else if (lab.Above is not null && lab.Below is not null && lab.Below >= lab.Above)
            {
                checks.Add($"{at}.below", "must be lower than 'above'");
            }

            if (parameters.Labs.Take(i).Any(l => l.Id == lab.Id))
            {
                checks.Add($"{at}.id", $"duplicate lab id '{lab.Id}'");
            }
        }
    }

    protected override IReadOnlyDictionary<string, string> WorstCase(CriticalLabParameters parameters, DrugVocabulary vocabulary)
    {
        var values = RuleKinds.CommonWorstCase(vocabulary);
        values["direction"] = "above";
        values["unit"] = RuleKinds.Longest(parameters.Labs.SelectMany(l => l.Units), "");
        values["lab"] = RuleKinds.Longest(parameters.Labs.Select(l => l.Display), "");
        values["limit"] = RuleKinds.Longest(parameters.Labs.SelectMany(l => new[] { l.Above, l.Below }).OfType<decimal>().Select(CardText.Number), "");
        return values;
    }

    /// <summary>The latest result of each listed lab, when recent and beyond its critical limit.</summary>
    protected override IEnumerable<RuleOutcome> Evaluate(CriticalLabParameters parameters, RuleDefinition rule, DrugVocabulary vocabulary, RuleInput input, CardBuilder builder)
    {
        if (input.Context is not { } patient)
        {
            yield break;
        }

        foreach (var lab in parameters.Labs)
        {
            var latest = ContextFacts.Latest(patient, lab.Codes, lab.Units);
            if (latest is null || latest.Effective < input.Now.AddHours(-lab.MaxAgeHours))
            {
                continue;
            }

            var value = latest.Value!.Value;
            (string Direction, decimal Limit)? breach =
                lab.Above is { } above && value > above ? ("above", above)
                : lab.Below is { } below && value < below ? ("below", below)
                : null;
            if (breach is not { } b)
            {
                continue;
            }

            var values = new Dictionary<string, string>(StringComparer.Ordinal)
            {
                ["lab"] = lab.Display,
                ["value"] = CardText.Number(value),
                ["unit"] = string.IsNullOrWhiteSpace(latest.Unit) ? lab.Units[0] : latest.Unit.Trim(),
                ["date"] = CardText.Date(latest.Effective!.Value),
                ["limit"] = CardText.Number(b.Limit),
                ["direction"] = b.Direction,
            };
            var evidence = new List<string>
            {
                $"lab={ContextFacts.MatchedCode(latest.Codes, lab.Codes)}",
                $"value={values["value"]}",
                $"unit={values["unit"]}",
                $"effective={latest.Effective!.Value.ToString("O", CultureInfo.InvariantCulture)}",
                $"limit={b.Direction}:{values["limit"]}",
            };
            var subject = $"{lab.Id}:{latest.Id ?? latest.Effective!.Value.ToString("O", CultureInfo.InvariantCulture)}";
            yield return builder.Build(subject, rule.Indicator, "summary", "detail", values, evidence);
        }
    }
}
