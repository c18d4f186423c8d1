using Cds.Contracts;
using Cds.EventStore;
using Cds.EventStore.RuleOutcomes;
using Cds.Rules;
using Cds.Tenants;
using Microsoft.Extensions.Options;

namespace Cds.Hooks;

/// <summary>
/// A hook decided in this process with the tenant's rules (<c>shared/Cds.Rules</c>) when its data is complete: the
/// cards, the enrichment result to record with them and what silent mode and snooze after override held back.
/// </summary>
public sealed class LocalEvaluation(TenantRuleSets tenantRules, IOptionsMonitor<ConfiguredTenants> tenants, HookMetrics metrics, TimeProvider time)
{
    /// <summary>
    /// What the patient's overrides hold back of cards decided before this hook (a late result, a population run's gap):
    /// an override may have come since their evaluation. Counted like the cards held back here.
    /// </summary>
    internal SnoozeAfterOverride.Split HoldBack(string tenant, IReadOnlyList<RuleOutcome> outcomes, IReadOnlyList<OverrideSnooze> snoozes)
    {
        var split = SnoozeAfterOverride.Apply(tenants.CurrentValue.AlertsOf(tenant), outcomes, snoozes, time.GetUtcNow());
        metrics.Snoozed(tenant, split);
        return split;
    }

    /// <summary>The rules on what the request carried (prefetch, draftOrders, hook-token reads); silent mode and snooze applied.</summary>
    internal Evaluation Decide(HookInvocation hook, PatientContext context, PatientDataUsed data, IReadOnlyList<OverrideSnooze> snoozes)
    {
        var rules = tenantRules.For(hook.Tenant);
        var input = new RuleInput
        {
            Hook = hook.Service.Hook,
            Context = context,
            DraftMedications = hook.DraftMedications,
            Now = time.GetUtcNow(),
            CardSeed = $"{hook.Tenant}/{hook.HookInstance}",
        };
        var decision = HookDecision.Decide(rules, input, hook.Tenant, tenants.CurrentValue.AlertsOf(hook.Tenant), hook.Service.Id, snoozes);
        metrics.Unrecognised(hook.Tenant, decision.Unrecognised);
        metrics.Snoozed(hook.Tenant, decision.Snooze);
        var at = time.GetUtcNow();
        var completed = new EnrichmentCompleted(hook.HookInstance, hook.PatientId, decision.Cards, decision.Findings, rules.Versions, at,
            Late: false, UnrecognisedMedications: [.. decision.Unrecognised.Select(u => u.ToString())],
            Data: data);
        return new Evaluation(decision.Cards, completed, CardsSilenced.Of(hook.HookInstance, hook.Service.Id, decision.Silent, at),
            CardsSnoozed.Of(hook.HookInstance, hook.Service.Id, decision.Snooze, at));
    }
}
