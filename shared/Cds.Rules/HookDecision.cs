using Cds.Contracts;

namespace Cds.Rules;

/// <summary>
/// One hook's decision, wherever it is made (in the hooks process from complete data; in enrichment once it has read
/// what was missing): the rules' outcomes, split by the tenant's silent mode into what Epic sees and what is only
/// recorded, and the medications no vocabulary recognised.
/// </summary>
public sealed record HookDecision(IReadOnlyList<RuleOutcome> Live, SilentMode.Split Silent, IReadOnlyList<UnrecognisedMedication> Unrecognised)
{
    public IReadOnlyList<Card> Cards => [.. Live.Select(o => o.Card)];
    public IReadOnlyList<Finding> Findings => [.. Live.Select(o => o.Finding)];

    /// <param name="annotate">Applied to every outcome before silent mode (e.g. the stale-data notice of enrichment).</param>
    public static HookDecision Decide(RuleSet rules, RuleInput input, string tenant, TenantAlertSettings alerts, string serviceId,
        Func<IReadOnlyList<RuleOutcome>, IReadOnlyList<RuleOutcome>>? annotate = null)
    {
        var outcomes = RuleEngine.Evaluate(rules, input);
        var split = SilentMode.Apply(tenant, alerts, serviceId, annotate is null ? outcomes : annotate(outcomes));
        return new HookDecision(split.Live, split, UnrecognisedMedications.Find(rules, input));
    }
}
