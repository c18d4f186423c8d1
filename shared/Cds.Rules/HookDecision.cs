using Cds.Contracts;

namespace Cds.Rules;

/// <summary>
/// One hook's decision, wherever it is made (in the hooks process from complete data; in enrichment once it has read
/// what was missing): the rules' outcomes, split by the tenant's silent mode and then by its snooze after override into
/// what Epic sees and what is only recorded, and the medications no vocabulary recognised.
/// </summary>
public sealed record HookDecision(
    IReadOnlyList<RuleOutcome> Live, SilentMode.Split Silent, SnoozeAfterOverride.Split Snooze, IReadOnlyList<UnrecognisedMedication> Unrecognised)
{
    public IReadOnlyList<Card> Cards => [.. Live.Select(o => o.Card)];
    public IReadOnlyList<Finding> Findings => [.. Live.Select(o => o.Finding)];

    /// <param name="snoozes">The patient's overrides on record (<see cref="OverrideSnooze"/>); the tenant's settings say which still hold.</param>
    /// <param name="annotate">Applied to every outcome before silent mode (e.g. the stale-data notice of enrichment).</param>
    public static HookDecision Decide(RuleSet rules, RuleInput input, string tenant, TenantAlertSettings alerts, string serviceId,
        IReadOnlyList<OverrideSnooze> snoozes, Func<IReadOnlyList<RuleOutcome>, IReadOnlyList<RuleOutcome>>? annotate = null)
    {
        var outcomes = RuleEngine.Evaluate(rules, input);
        var silent = SilentMode.Apply(tenant, alerts, serviceId, annotate is null ? outcomes : annotate(outcomes));
        var snooze = SnoozeAfterOverride.Apply(alerts, silent.Live, snoozes, input.Now);
        return new HookDecision(snooze.Live, silent, snooze, UnrecognisedMedications.Find(rules, input));
    }
}
