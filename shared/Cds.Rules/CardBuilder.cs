using Cds.Contracts;

namespace Cds.Rules;

/// <summary>Builds one Epic-compatible card (docs/epic-behaviours.md items 9–14) and its finding for a rule.</summary>
internal sealed class CardBuilder(RuleDefinition rule, RuleInput input)
{
    public RuleDefinition Rule { get; } = rule;

    public RuleOutcome Build(
        string subject,
        string indicator,
        string summaryTemplate,
        string detailTemplate,
        IReadOnlyDictionary<string, string> values,
        IReadOnlyList<string> evidence,
        DraftMedication? draft = null)
    {
        var uuid = DeterministicUuid.Create(input.CardSeed, Rule.Id, subject, "card");
        var summary = CardText.FitSummary(CardText.Render(Rule.Templates[summaryTemplate], values, markdown: false));
        var detail = CardText.Render(Rule.Templates[detailTemplate], values, markdown: true);

        List<Suggestion>? suggestions = null;
        if (Rule.Suggestion is { } template && DraftReference(draft) is { } reference)
        {
            suggestions =
            [
                new Suggestion
                {
                    Label = CardText.Render(template.Label, values, markdown: false),
                    Uuid = DeterministicUuid.Create(input.CardSeed, Rule.Id, subject, "suggestion", "remove-draft"),
                    IsRecommended = true,
                    Actions =
                    [
                        new CardAction
                        {
                            Type = "delete",
                            Description = CardText.Render(template.Description, values, markdown: false),
                            ResourceId = reference,
                        },
                    ],
                },
            ];
        }

        var overridable = indicator is Indicators.Warning or Indicators.Critical && Rule.OverrideReasons.Count > 0;
        var card = new Card
        {
            Uuid = uuid,
            Summary = summary,
            Indicator = indicator,
            Detail = detail,
            Source = new CardSource { Label = Rule.Source.Label, Url = Rule.Source.Url, Topic = Rule.Topic },
            Suggestions = suggestions,
            SelectionBehavior = suggestions is null ? null : "any",
            OverrideReasons = overridable ? Rule.OverrideReasons : null,
        };

        var finding = new Finding
        {
            RuleId = Rule.Id,
            RuleVersion = Rule.Version,
            OverridesHash = Rule.OverridesHash,
            TopicCode = Rule.Topic.Code,
            Indicator = indicator,
            Summary = summary,
            CardUuid = uuid,
            Evidence = evidence,
            FlagForDocumentation = indicator == Indicators.Critical || Rule.FlagForDocumentation,
        };

        return new RuleOutcome(card, finding);
    }

    /// <summary><c>MedicationRequest/{id}</c> of a draft that has an id (a relative reference is kept as given).</summary>
    private static string? DraftReference(DraftMedication? draft)
    {
        var id = draft?.RequestId?.Trim();
        if (string.IsNullOrEmpty(id))
        {
            return null;
        }

        const string prefix = "MedicationRequest/";
        var at = id.LastIndexOf(prefix, StringComparison.Ordinal);
        if (at >= 0)
        {
            var rest = id[(at + prefix.Length)..];
            return rest.Length > 0 && !rest.Contains('/', StringComparison.Ordinal) ? prefix + rest : null;
        }

        // A bare logical id; anything else (urn:uuid:…, another resource type) cannot be named in a delete action.
        return id.Contains('/', StringComparison.Ordinal) || id.Contains(':', StringComparison.Ordinal) ? null : prefix + id;
    }
}
