using Cds.Contracts;

namespace Cds.Rules;

/// <summary>
/// What the rules see for one hook call. <see cref="Context"/> null means nothing is known about the patient (not
/// "nothing wrong"). <see cref="CardSeed"/> is the hookInstance (or another caller-chosen seed): card and suggestion
/// uuids derive from it, the rule id and the subject, so a replay gives the same ids.
/// </summary>
public sealed record RuleInput
{
    /// <summary>A <see cref="HookNames"/> value; only the rules bound to this hook run.</summary>
    public required string Hook { get; init; }

    /// <summary>What is known about the patient; null = unknown.</summary>
    public PatientContext? Context { get; init; }

    public IReadOnlyList<DraftMedication> DraftMedications { get; init; } = [];

    /// <summary>The evaluation time (rules never read a clock).</summary>
    public required DateTimeOffset Now { get; init; }

    /// <summary>Seed of the deterministic card/suggestion uuids, e.g. "{tenant}/{hookInstance}".</summary>
    public required string CardSeed { get; init; }
}

/// <summary>A card for Epic and the finding behind it (for the event store and write-back).</summary>
public sealed record RuleOutcome(Card Card, Finding Finding);

/// <summary>
/// Pure evaluation: rule set + input → cards and findings. No I/O, no clock (time comes in <see cref="RuleInput.Now"/>),
/// no randomness. Which rules run is data: each rule lists its hooks (patient-view → care gaps and critical labs;
/// order-select/order-sign → drug–allergy, duplicate therapy, renal dosing).
/// </summary>
public static class RuleEngine
{
    public static IReadOnlyList<RuleOutcome> Evaluate(RuleSet rules, RuleInput input)
    {
        ArgumentNullException.ThrowIfNull(rules);
        ArgumentNullException.ThrowIfNull(input);

        var outcomes = new List<RuleOutcome>();
        foreach (var rule in rules.RulesFor(input.Hook))
        {
            var builder = new CardBuilder(rule, input);
            outcomes.AddRange(rule.Parameters switch
            {
                DrugAllergyParameters => MedicationRules.DrugAllergy(rule, rules.Vocabulary, input, builder),
                DuplicateTherapyParameters p => MedicationRules.DuplicateTherapy(p, rules.Vocabulary, input, builder),
                RenalDosingParameters p => MedicationRules.RenalDosing(p, rules.Vocabulary, input, builder),
                DiabetesHbA1cParameters p => PatientRules.DiabetesHbA1c(p, input, builder),
                CriticalLabParameters p => PatientRules.CriticalLabs(p, input, builder),
                _ => [],
            });
        }

        // Most severe first; otherwise rule-file order (stable sort keeps it deterministic).
        return [.. outcomes.OrderByDescending(o => Indicators.Rank(o.Card.Indicator))];
    }
}

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
