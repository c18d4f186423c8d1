using Cds.Contracts;

namespace Cds.Rules;

/// <summary>
/// Which medications the medication rules could not place (no listed product, ingredient code or ingredient name):
/// the rules stay silent about them, so a site counts them to extend the vocabulary. Pure; only for hooks whose rules
/// read medications.
/// </summary>
public static class UnrecognisedMedications
{
    private const int MaxSystemLength = 100;

    public static IReadOnlyList<UnrecognisedMedication> Find(RuleSet rules, RuleInput input)
    {
        ArgumentNullException.ThrowIfNull(rules);
        ArgumentNullException.ThrowIfNull(input);
        if (!rules.RulesFor(input.Hook).Any(r => RuleKinds.ReadsDrafts(r.Evaluator)))
        {
            return [];
        }

        var found = new List<UnrecognisedMedication>();
        foreach (var draft in input.DraftMedications)
        {
            if (rules.Vocabulary.Recognise(draft.Codes, draft.Text).By == RecognisedBy.None)
            {
                found.Add(new UnrecognisedMedication("draft", Label(draft.Codes)));
            }
        }

        foreach (var active in input.Context?.ActiveMedications ?? [])
        {
            if (ContextFacts.IsActive(active) && rules.Vocabulary.Recognise(active.Codes, active.Text).By == RecognisedBy.None)
            {
                found.Add(new UnrecognisedMedication("active", Label(active.Codes)));
            }
        }

        return found;
    }

    private static IReadOnlyList<string> Label(IReadOnlyList<ClinicalCode> codes)
    {
        var labels = codes.Where(c => !string.IsNullOrWhiteSpace(c.Code))
            .Select(c => $"{SystemLabel(c.System)}|{c.Code.Trim()}")
            .Distinct(StringComparer.Ordinal)
            .ToList();
        return labels.Count == 0 ? ["text-only"] : labels;
    }

    private static string SystemLabel(string? system)
    {
        if (Terminology.CanonicalSystem(system) is { } canonical)
        {
            return Terminology.ShortName(canonical);
        }

        var raw = system?.Trim() ?? "";
        return raw.Length == 0 ? "no-system" : raw.Length > MaxSystemLength ? raw[..MaxSystemLength] : raw;
    }
}
