using Cds.Contracts;
using Cds.EventStore;
using Cds.EventStore.Bulk;
using Cds.Rules;
using Cds.Tenants;
using Marten;
using Microsoft.Extensions.Options;

namespace Cds.Hooks;

/// <summary>What the store knows about the hook's patient, read in one batch, and the request's context completed from it.</summary>
public sealed class PatientStateReader(IDocumentStore store, IOptions<HookOptions> options, IOptionsMonitor<ConfiguredTenants> tenants,
    HookMetrics metrics, TimeProvider time)
{
    /// <summary>
    /// One read for what the store knows about the patient: a late result of an earlier hook, the overrides that may
    /// snooze a card (only for a tenant that snoozes a rule), and (when the prefetch has gaps) the context enrichment
    /// precomputed and, on patient-view, the population run's gaps (answered when no live decision comes in time). An
    /// unavailable store leaves all of them unknown.
    /// </summary>
    public async Task<PatientState> ReadAsync(HookInvocation hook, CancellationToken ct)
    {
        try
        {
            await using var session = store.QuerySession(hook.Tenant);
            var batch = session.CreateBatchQuery();
            var late = batch.Load<LateResult>(hook.PatientId);
            var patientId = hook.PatientId;
            var oldest = time.GetUtcNow() - SnoozeAfterOverride.Longest; // older ones have run out whatever the setting
            var snoozes = tenants.CurrentValue.AlertsOf(hook.Tenant).SnoozeAfterOverride.Count == 0
                ? Task.FromResult<IReadOnlyList<OverrideSnooze>>([])
                : batch.Query<OverrideSnooze>().Where(s => s.PatientId == patientId && s.OverriddenAt > oldest).ToList();
            var complete = hook.Context is { Gaps.Count: 0 };
            var warm = complete ? Task.FromResult<WarmPatientContext?>(null) : batch.Load<WarmPatientContext>(hook.PatientId);
            var population = complete || hook.Service.Hook != HookNames.PatientView
                ? Task.FromResult<PatientPopulationGaps?>(null)
                : batch.Load<PatientPopulationGaps>(hook.PatientId);
            await batch.Execute(ct);
            return new PatientState(await late, await warm, await population, await snoozes);
        }
        catch (Exception ex) when (StoreFailures.IsUnavailable(ex))
        {
            metrics.StoreFailure(nameof(LateResult));
            return new PatientState(null, null, null, []);
        }
    }

    /// <summary>The request's context, its gaps filled from a precomputed context young enough (<see cref="HookOptions.WarmContextMaxAge"/>).</summary>
    public (PatientContext? Context, PatientDataUsed Data) Complete(PatientContext? given, WarmPatientContext? warm)
    {
        var now = time.GetUtcNow();
        if (given is { Gaps.Count: > 0 } && warm is not null && now - warm.ReadAt <= options.Value.WarmContextMaxAge)
        {
            var merged = PatientContextMerge.Merge(given, warm.Context);
            if (merged is { Gaps.Count: 0 })
            {
                return (merged, new PatientDataUsed(PatientDataSources.Warm, warm.ReadAt, Math.Max(0, (now - warm.ReadAt).TotalSeconds), Stale: false));
            }
        }
        var asOf = given?.AsOf ?? now;
        return (given, new PatientDataUsed(PatientDataSources.Prefetch, asOf, Math.Max(0, (now - asOf).TotalSeconds), Stale: false));
    }
}
