using System.Text.Json;
using System.Text.RegularExpressions;
using Cds.Contracts;

namespace Cds.Rules;

/// <summary>
/// What Epic requires of a card (docs/epic-behaviours.md items 9–14), as a checker any producer or test can run:
/// <c>Assert.Empty(EpicCardRules.Violations(card))</c>.
/// </summary>
public static partial class EpicCardRules
{
    public const string DetailContentTypeExtension = "com.epic.cdshooks.card.detail.content-type";

    [GeneratedRegex(@"^[A-Za-z0-9]{1,100}$")]
    private static partial Regex TopicCode();

    [GeneratedRegex(@"<\s*/?\s*[A-Za-z][A-Za-z0-9]*(\s[^>]*)?>")]
    private static partial Regex HtmlTag();

    /// <summary>Type/id; no length cap: Epic's draft order ids run past FHIR's 64 characters.</summary>
    [GeneratedRegex(@"^[A-Z][A-Za-z]+/[A-Za-z0-9\-\.]+$")]
    private static partial Regex RelativeReference();

    private static readonly string[] ActionTypes = ["create", "update", "delete"];

    public static IReadOnlyList<string> Violations(Card card)
    {
        ArgumentNullException.ThrowIfNull(card);
        var problems = new List<string>();

        // 10. uuids always set (feedback needs them).
        if (string.IsNullOrWhiteSpace(card.Uuid))
        {
            problems.Add("card.uuid is missing");
        }

        // 14. summary < 140.
        if (string.IsNullOrWhiteSpace(card.Summary))
        {
            problems.Add("card.summary is missing");
        }
        else if (card.Summary.Length >= 140)
        {
            problems.Add($"card.summary is {card.Summary.Length} characters (must be < 140)");
        }

        if (Indicators.Rank(card.Indicator) == 0)
        {
            problems.Add($"card.indicator '{card.Indicator}' is not info, warning or critical");
        }

        // 11. source.topic.code: alphanumeric, ≤ 100, stable per advice.
        if (card.Source is null || string.IsNullOrWhiteSpace(card.Source.Label))
        {
            problems.Add("card.source.label is missing");
        }

        if (card.Source?.Topic is not { } topic)
        {
            problems.Add("card.source.topic is missing (Epic remembers overrides by its code)");
        }
        else if (!TopicCode().IsMatch(topic.Code ?? ""))
        {
            problems.Add($"card.source.topic.code '{topic.Code}' must be 1–100 letters or digits");
        }

        // 12. non-markdown detail needs the content-type extension.
        var contentType = card.Extension is { } ext && ext.TryGetValue(DetailContentTypeExtension, out var ct) ? ct : null;
        if (card.Detail is { } detail && contentType is null && HtmlTag().IsMatch(detail))
        {
            problems.Add($"card.detail looks like HTML but has no extension \"{DetailContentTypeExtension}\"");
        }

        if (contentType is not null && string.IsNullOrWhiteSpace(contentType))
        {
            problems.Add($"extension \"{DetailContentTypeExtension}\" is empty");
        }

        // 9. selectionBehavior only "any"; one action per suggestion; suggestion.label required.
        if (card.Suggestions is { Count: > 0 } suggestions)
        {
            if (card.SelectionBehavior != "any")
            {
                problems.Add($"card.selectionBehavior must be \"any\" when there are suggestions (is '{card.SelectionBehavior}')");
            }

            var seen = new HashSet<string>(StringComparer.Ordinal);
            for (var i = 0; i < suggestions.Count; i++)
            {
                var s = suggestions[i];
                var at = $"card.suggestions[{i}]";
                if (string.IsNullOrWhiteSpace(s.Label))
                {
                    problems.Add($"{at}.label is missing");
                }

                if (string.IsNullOrWhiteSpace(s.Uuid))
                {
                    problems.Add($"{at}.uuid is missing");
                }
                else if (!seen.Add(s.Uuid) || s.Uuid == card.Uuid)
                {
                    problems.Add($"{at}.uuid '{s.Uuid}' is not unique");
                }

                if (s.Actions is not { Count: 1 } actions)
                {
                    problems.Add($"{at} must have exactly one action (has {s.Actions?.Count ?? 0})");
                    continue;
                }

                var action = actions[0];
                if (!ActionTypes.Contains(action.Type, StringComparer.Ordinal))
                {
                    problems.Add($"{at}.actions[0].type '{action.Type}' is not create, update or delete");
                }

                if (string.IsNullOrWhiteSpace(action.Description))
                {
                    problems.Add($"{at}.actions[0].description is missing");
                }

                if (action.Type == "delete")
                {
                    // CDS Hooks 2.0 Action.resourceId: one relative reference, a string (requirements 134–135).
                    if (action.ResourceId is not { } id || !RelativeReference().IsMatch(id))
                    {
                        problems.Add($"{at}.actions[0] delete needs resourceId as one relative reference such as MedicationRequest/123");
                    }

                    if (action.Resource is not null)
                    {
                        problems.Add($"{at}.actions[0] delete names its resource by resourceId, not resource (requirement 133)");
                    }
                }
                else if (action.Resource is null)
                {
                    problems.Add($"{at}.actions[0] {action.Type} needs a resource");
                }
            }
        }
        else if (card.SelectionBehavior is not null && card.SelectionBehavior != "any")
        {
            problems.Add($"card.selectionBehavior '{card.SelectionBehavior}' is not supported by Epic (only \"any\")");
        }

        // Coding: system and code required; the service MUST populate display (requirements 100, 216–219).
        if (card.OverrideReasons is { } reasons
            && reasons.Any(r => string.IsNullOrWhiteSpace(r.Code) || string.IsNullOrWhiteSpace(r.System) || string.IsNullOrWhiteSpace(r.Display)))
        {
            problems.Add("card.overrideReasons need a code, a system and a display each");
        }

        if (card.Source?.Topic is { } coded && string.IsNullOrWhiteSpace(coded.System))
        {
            problems.Add("card.source.topic.system is missing (a Coding's system is required, requirement 217)");
        }

        if (card.Links is { } links)
        {
            foreach (var link in links.Where(l => string.IsNullOrWhiteSpace(l.Label) || !Uri.IsWellFormedUriString(l.Url, UriKind.Absolute) || l.Type is not ("absolute" or "smart")))
            {
                problems.Add($"card.links entry '{link.Label}' needs a label, an absolute url and type absolute or smart");
            }

            foreach (var link in links.Where(l => l.Type == "absolute" && l.AppContext is not null))
            {
                problems.Add($"card.links entry '{link.Label}': appContext is not valid on an absolute link (requirement 147)");
            }
        }

        // 14. JSON without nulls or empty optional members.
        var json = JsonSerializer.SerializeToElement(card, CdsJson.Options);
        CheckJson(json, "card", problems);
        return problems;
    }

    private static void CheckJson(JsonElement element, string path, List<string> problems)
    {
        switch (element.ValueKind)
        {
            case JsonValueKind.Null:
                problems.Add($"{path} is null in JSON");
                break;
            case JsonValueKind.String when element.GetString()!.Length == 0:
                problems.Add($"{path} is an empty string in JSON");
                break;
            case JsonValueKind.Array:
                if (element.GetArrayLength() == 0)
                {
                    problems.Add($"{path} is an empty array in JSON (omit it)");
                }

                var i = 0;
                foreach (var item in element.EnumerateArray())
                {
                    CheckJson(item, $"{path}[{i++}]", problems);
                }

                break;
            case JsonValueKind.Object:
                var any = false;
                foreach (var property in element.EnumerateObject())
                {
                    any = true;
                    CheckJson(property.Value, $"{path}.{property.Name}", problems);
                }

                if (!any)
                {
                    problems.Add($"{path} is an empty object in JSON (omit it)");
                }

                break;
        }
    }
}
