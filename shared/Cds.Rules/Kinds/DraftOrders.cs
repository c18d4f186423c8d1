using Cds.Contracts;

namespace Cds.Rules;

/// <summary>What the medication kinds share about a draft order: its stable subject and how it was recognised.</summary>
internal static class DraftOrders
{
    /// <summary>"recognised-by=name" when the draft's ingredient came from its name, not a code (for audit).</summary>
    public static IEnumerable<string> RecognitionEvidence(RecognisedBy by) => by == RecognisedBy.Name ? ["recognised-by=name"] : [];

    /// <summary>The drafts whose ingredients the vocabulary recognises, each with its card subject.</summary>
    public static IEnumerable<(DraftMedication Draft, string Subject, IReadOnlyList<string> Ingredients, RecognisedBy By)> Recognised(
        RuleInput input, DrugVocabulary vocabulary)
    {
        for (var index = 0; index < input.DraftMedications.Count; index++)
        {
            var draft = input.DraftMedications[index];
            var (ingredients, by) = vocabulary.Recognise(draft.Codes, draft.Text);
            if (ingredients.Count > 0)
            {
                yield return (draft, Subject(draft, index), ingredients, by);
            }
        }
    }

    /// <summary>Stable subject of a draft for its card uuid: the request id, or its position and codes.</summary>
    private static string Subject(DraftMedication draft, int index) =>
        !string.IsNullOrWhiteSpace(draft.RequestId)
            ? $"draft:{draft.RequestId.Trim()}"
            : $"draft#{index}:{string.Join(",", draft.Codes.Select(c => $"{c.System}|{c.Code}").Order(StringComparer.Ordinal))}";

    /// <summary>
    /// Evidence of a draft judged against one result (renal dosing, QT): the draft's codes, how it was recognised, its
    /// ingredient, the result's code, value, unit and date, and the threshold (from <paramref name="values"/>).
    /// </summary>
    public static List<string> AgainstResult(
        DraftMedication draft, RecognisedBy by, Ingredient ingredient, string label, LabResult result, IReadOnlyList<CodePattern> codes,
        IReadOnlyDictionary<string, string> values) =>
        [
            .. ContextFacts.CodesEvidence("draft", draft.Codes),
            .. RecognitionEvidence(by),
            $"ingredient={ingredient.Evidence}",
            $"{label}={ContextFacts.MatchedCode(result.Codes, codes)}",
            $"value={values["value"]}",
            $"unit={(string.IsNullOrWhiteSpace(result.Unit) ? "none" : result.Unit.Trim())}",
            $"effective={values["date"]}",
            $"threshold={values["threshold"]}",
        ];

    /// <summary>The context may list the draft itself among the medications; it is not a duplicate of itself.</summary>
    public static bool IsSameOrder(MedicationEntry medication, DraftMedication draft)
    {
        if (string.IsNullOrWhiteSpace(medication.Id) || string.IsNullOrWhiteSpace(draft.RequestId))
        {
            return false;
        }

        static string Last(string reference) => reference.Trim().Split('/')[^1];
        return string.Equals(Last(medication.Id), Last(draft.RequestId), StringComparison.Ordinal);
    }

    /// <summary>Hooks that carry draft orders.</summary>
    public static readonly IReadOnlyList<string> Hooks = [HookNames.OrderSelect, HookNames.OrderSign];
}
