using System.Text.RegularExpressions;
using Cds.Contracts;

namespace Cds.Hooks.Requests;

/// <summary>
/// What Epic needs of a response (docs/epic-behaviours.md items 9–14), as a check for tests and logs — the rules engine builds the cards;
/// this does not change them. Each violation is a short message naming the card by index and uuid.
/// </summary>
public static partial class EpicCardRules
{
    public const string DetailContentTypeKey = "com.epic.cdshooks.card.detail.content-type";

    [GeneratedRegex("^[A-Za-z0-9]{1,100}$", RegexOptions.CultureInvariant)]
    private static partial Regex TopicCode();

    /// <summary>Type/id; no length cap: Epic's draft order ids run past FHIR's 64 characters.</summary>
    [GeneratedRegex(@"^[A-Z][A-Za-z]+/[A-Za-z0-9\-\.]+$", RegexOptions.CultureInvariant)]
    private static partial Regex RelativeReference();

    public static IReadOnlyList<string> Violations(CdsHookResponse response)
    {
        ArgumentNullException.ThrowIfNull(response);
        var problems = new List<string>();
        for (var i = 0; i < response.Cards.Count; i++)
        {
            var card = response.Cards[i];
            var at = $"cards[{i}]";
            if (string.IsNullOrWhiteSpace(card.Uuid))
                problems.Add($"{at}: uuid is required (feedback needs it)");
            if (string.IsNullOrWhiteSpace(card.Summary) || card.Summary.Length >= 140)
                problems.Add($"{at}: summary must be non-empty and under 140 characters");
            if (Indicators.Rank(card.Indicator) == 0)
                problems.Add($"{at}: indicator must be info, warning or critical");
            if (string.IsNullOrWhiteSpace(card.Source.Label))
                problems.Add($"{at}: source.label is required");
            if (card.Source.Topic is { } topic && !TopicCode().IsMatch(topic.Code))
                problems.Add($"{at}: source.topic.code must be alphanumeric, at most 100 characters");
            if (card.Source.Topic is { } coded && string.IsNullOrWhiteSpace(coded.System))
                problems.Add($"{at}: source.topic.system is required (a Coding's system, requirement 217)");
            if (card.Suggestions is { Count: > 0 } suggestions)
            {
                if (card.SelectionBehavior != "any")
                    problems.Add($"{at}: selectionBehavior must be \"any\" when there are suggestions");
                for (var s = 0; s < suggestions.Count; s++)
                {
                    var suggestion = suggestions[s];
                    if (string.IsNullOrWhiteSpace(suggestion.Uuid))
                        problems.Add($"{at}.suggestions[{s}]: uuid is required");
                    if (string.IsNullOrWhiteSpace(suggestion.Label))
                        problems.Add($"{at}.suggestions[{s}]: label is required");
                    if (suggestion.Actions is { Count: > 1 })
                        problems.Add($"{at}.suggestions[{s}]: Epic takes one action per suggestion");
                    foreach (var action in suggestion.Actions ?? [])
                    {
                        if (action.Type == "delete" && (action.ResourceId is not { } id || !RelativeReference().IsMatch(id)))
                            problems.Add($"{at}.suggestions[{s}]: a delete action names one resource in resourceId, e.g. MedicationRequest/123 (requirement 135)");
                    }
                }
            }
            else if (card.SelectionBehavior is not null and not "any")
                problems.Add($"{at}: selectionBehavior must be \"any\"");
            if (card.OverrideReasons is { } reasons && reasons.Any(r => string.IsNullOrWhiteSpace(r.Display) || string.IsNullOrWhiteSpace(r.System)))
                problems.Add($"{at}: every overrideReason needs a system and a display");
            if (card.Links is { } links && links.Any(l => l.Type == "absolute" && l.AppContext is not null))
                problems.Add($"{at}: appContext is not valid on an absolute link (requirement 147)");
            if (!string.IsNullOrEmpty(card.Detail) && card.Extension?.ContainsKey(DetailContentTypeKey) != true && LooksLikeHtml(card.Detail))
                problems.Add($"{at}: non-markdown detail needs extension \"{DetailContentTypeKey}\"");
        }
        if (response.SystemActions is { } actions)
        {
            for (var a = 0; a < actions.Count; a++)
            {
                var action = actions[a];
                var type = action.Resource is { ValueKind: System.Text.Json.JsonValueKind.Object } r && r.TryGetProperty("resourceType", out var t) ? t.GetString() : null;
                if (action.Type != "update" || type != "ServiceRequest")
                    problems.Add($"systemActions[{a}]: Epic applies only updates of a ServiceRequest in draftOrders");
            }
        }
        return problems;
    }

    private static bool LooksLikeHtml(string detail) => detail.Contains("</", StringComparison.Ordinal) || detail.Contains("<br", StringComparison.OrdinalIgnoreCase);
}
