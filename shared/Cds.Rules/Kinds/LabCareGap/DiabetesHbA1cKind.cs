using System.Globalization;
using Cds.Contracts;

namespace Cds.Rules;

/// <summary>diabetes-hba1c-gap (a lab care gap): type 2 diabetes with no recent HbA1c, or the latest above target.</summary>
internal sealed class DiabetesHbA1cKind : RuleKind<DiabetesHbA1cParameters>
{
    public override string Name => "diabetes-hba1c-gap";
    public override IReadOnlyList<string> Hooks { get; } = [HookNames.PatientView];
    public override IReadOnlyDictionary<string, IReadOnlyList<string>> Templates { get; } = Same(
        ["summaryNoneOnRecord", "summaryOverdue", "summaryAboveTarget", "detailNoneOnRecord", "detailOverdue", "detailAboveTarget"],
        ["value", "unit", "date", "months", "target"]);

    protected override void Check(DiabetesHbA1cParameters parameters, DrugVocabulary vocabulary, RuleChecks checks)
    {
        checks.RequiredCodes("conditionCodes", parameters.ConditionCodes, CodeSystems.Snomed, CodeSystems.Icd10Cm);
        checks.RequiredCodes("hba1cCodes", parameters.HbA1cCodes, CodeSystems.Loinc);
        checks.Codes("relatedCodes", parameters.RelatedCodes, CodeSystems.Loinc);
        checks.NotEmpty("units", parameters.Units);
        checks.Positive("lookbackMonths", parameters.LookbackMonths);
        if (parameters.AboveValue is <= 0 or > 20)
        {
            checks.Add("aboveValue", "must be an HbA1c percentage between 0 and 20");
        }
    }

    protected override IReadOnlyDictionary<string, string> WorstCase(DiabetesHbA1cParameters parameters, DrugVocabulary vocabulary)
    {
        var values = RuleKinds.CommonWorstCase(vocabulary);
        values["unit"] = RuleKinds.Longest(parameters.Units, "");
        values["months"] = parameters.LookbackMonths.ToString(CultureInfo.InvariantCulture);
        values["target"] = CardText.Number(parameters.AboveValue);
        return values;
    }

    /// <summary>
    /// Type 2 diabetes with no HbA1c in the look-back window, or with the latest one above target. "No HbA1c" is a claim
    /// about absence, so it is only made when the labs are complete (no "labs" gap) and every HbA1c has a date.
    /// </summary>
    protected override IEnumerable<RuleOutcome> Evaluate(DiabetesHbA1cParameters parameters, RuleDefinition rule, DrugVocabulary vocabulary, RuleInput input, CardBuilder builder)
    {
        if (input.Context is not { } patient || ContextFacts.HasGap(patient, ContextFacts.Labs))
        {
            yield break;
        }

        var condition = patient.Conditions.FirstOrDefault(c => ContextFacts.IsActive(c) && parameters.ConditionCodes.Any(p => p.MatchesAny(c.Codes)));
        if (condition is null)
        {
            yield break;
        }

        var hba1c = patient.Labs
            .Where(l => (l.Status is null || !l.Status.Equals("entered-in-error", StringComparison.OrdinalIgnoreCase))
                        && parameters.HbA1cCodes.Any(p => p.MatchesAny(l.Codes)))
            .ToList();
        var related = patient.Labs.Any(l => (l.Status is null || !l.Status.Equals("entered-in-error", StringComparison.OrdinalIgnoreCase))
                                            && parameters.RelatedCodes.Any(p => p.MatchesAny(l.Codes)));
        if (related || hba1c.Any(l => l.Effective is null || l.Value is null || !ContextFacts.UnitAccepted(l.Unit, parameters.Units)))
        {
            // A result we cannot place in time or compare: we do not know whether the gap is real.
            yield break;
        }

        var latest = hba1c.OrderByDescending(l => l.Effective).ThenBy(l => l.Id, StringComparer.Ordinal).FirstOrDefault();
        var cutoff = input.Now.AddMonths(-parameters.LookbackMonths);
        var values = new Dictionary<string, string>(StringComparer.Ordinal)
        {
            ["months"] = parameters.LookbackMonths.ToString(CultureInfo.InvariantCulture),
            ["target"] = CardText.Number(parameters.AboveValue),
            ["unit"] = parameters.Units[0],
            ["value"] = "",
            ["date"] = "",
        };
        var evidence = ContextFacts.CodesEvidence("condition", condition.Codes).ToList();

        string variant;
        if (latest is null)
        {
            variant = "NoneOnRecord";
            evidence.Add("hba1c=none");
        }
        else
        {
            values["value"] = CardText.Number(latest.Value!.Value);
            values["unit"] = string.IsNullOrWhiteSpace(latest.Unit) ? parameters.Units[0] : latest.Unit.Trim();
            values["date"] = CardText.Date(latest.Effective!.Value);
            evidence.Add($"hba1c={ContextFacts.MatchedCode(latest.Codes, parameters.HbA1cCodes)}");
            evidence.Add($"value={values["value"]}");
            evidence.Add($"unit={values["unit"]}");
            evidence.Add($"effective={values["date"]}");
            if (latest.Effective < cutoff)
            {
                variant = "Overdue";
            }
            else if (latest.Value > parameters.AboveValue)
            {
                variant = "AboveTarget";
            }
            else
            {
                yield break;
            }
        }

        evidence.Add($"gap={variant}");
        yield return builder.Build("t2dm-hba1c", rule.Indicator, "summary" + variant, "detail" + variant, values, evidence);
    }
}
