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
/// order-select/order-sign → drug–allergy, duplicate therapy, renal dosing, QT prolongation); each rule's kind
/// (a folder under <c>Kinds/</c>) evaluates it.
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
            outcomes.AddRange(rule.Evaluator.Evaluate(rule, rules.Vocabulary, input, builder));
        }

        // Most severe first; otherwise rule-file order (stable sort keeps it deterministic).
        return [.. outcomes.OrderByDescending(o => Indicators.Rank(o.Card.Indicator))];
    }
}
