using System.Globalization;
using Cds.Contracts;

namespace Cds.Rules;

/// <summary>patient-view rules: care gaps and critical recent results.</summary>
internal static class PatientRules
{
    /// <summary>
    /// Type 2 diabetes with no HbA1c in the look-back window, or with the latest one above target. "No HbA1c" is a claim
    /// about absence, so it is only made when the labs are complete (no "labs" gap) and every HbA1c has a date.
    /// </summary>
    public static IEnumerable<RuleOutcome> DiabetesHbA1c(DiabetesHbA1cParameters parameters, RuleInput input, CardBuilder builder)
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
        yield return builder.Build("t2dm-hba1c", builder.Rule.Indicator, "summary" + variant, "detail" + variant, values, evidence);
    }

    /// <summary>The latest result of each listed lab, when recent and beyond its critical limit.</summary>
    public static IEnumerable<RuleOutcome> CriticalLabs(CriticalLabParameters parameters, RuleInput input, CardBuilder builder)
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
            yield return builder.Build(subject, builder.Rule.Indicator, "summary", "detail", values, evidence);
        }
    }
}
