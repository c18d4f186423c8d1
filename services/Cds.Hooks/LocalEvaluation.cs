using Cds.Contracts;
using Cds.EventStore;
using Cds.EventStore.RuleOutcomes;
using Cds.Rules;
using Cds.Tenants;
using Microsoft.Extensions.Options;

namespace Cds.Hooks;

/// <summary>
/// A hook decided in this process with the tenant's rules (<c>shared/Cds.Rules</c>) when its data is complete: the
/// cards, the enrichment result to record with them and what silent mode held back.
/// </summary>
public sealed class LocalEvaluation(TenantRuleSets tenantRules, IOptionsMonitor<ConfiguredTenants> tenants, HookMetrics metrics, TimeProvider time)
{
    /// <summary>The rules on what the request carried (prefetch, draftOrders, hook-token reads); silent mode applied.</summary>
    internal Evaluation Decide(HookInvocation hook, PatientContext context, PatientDataUsed data)
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
        var decision = HookDecision.Decide(rules, input, hook.Tenant, tenants.CurrentValue.AlertsOf(hook.Tenant), hook.Service.Id);
        metrics.Unrecognised(hook.Tenant, decision.Unrecognised);
        var at = time.GetUtcNow();
        var completed = new EnrichmentCompleted(hook.HookInstance, hook.PatientId, decision.Cards, decision.Findings, rules.Versions, at,
            Late: false, UnrecognisedMedications: [.. decision.Unrecognised.Select(u => u.ToString())],
            Data: data);
        var silenced = decision.Silent.Silenced.Count == 0 ? null : new CardsSilenced(hook.HookInstance, hook.Service.Id,
            [.. decision.Silent.Silenced.Select(o => o.Card)], [.. decision.Silent.Silenced.Select(o => o.Finding)], decision.Silent.Settings, at);
        return new Evaluation(decision.Cards, completed, silenced);
    }
}
