using Marten;

namespace Cds.EventStore.Bulk;

/// <summary>
/// The hook path's read of the population run: one primary-key load per call (tenant, patient), no FHIR, no rules.
/// Answers null when the patient had no gap in the last run of the tenant, or no run stored it.
/// </summary>
public sealed class PopulationGapLookup(IDocumentStore store, TimeProvider time)
{
    /// <param name="ruleEnabled">The tenant's rules now (rule id → enabled, e.g. <c>TenantRuleSets.For(tenant).Has</c>): gaps of a rule switched off are not answered.</param>
    public async Task<PrecomputedGapAnswer?> FindAsync(string tenant, string patientId, Func<string, bool> ruleEnabled, CancellationToken ct)
    {
        await using var session = store.QuerySession(tenant);
        var stored = await session.LoadAsync<PatientPopulationGaps>(patientId, ct).ConfigureAwait(false);
        return PrecomputedGapAnswer.From(stored, time.GetUtcNow(), ruleEnabled);
    }

    /// <summary>The tenant's latest population run (null: none yet).</summary>
    public async Task<PopulationGapRun?> LatestRunAsync(string tenant, CancellationToken ct)
    {
        await using var session = store.QuerySession(tenant);
        return await session.Query<PopulationGapRun>().OrderByDescending(r => r.At).FirstOrDefaultAsync(ct).ConfigureAwait(false);
    }
}
