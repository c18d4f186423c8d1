using Cds.Contracts;

namespace Cds.Rules;

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
