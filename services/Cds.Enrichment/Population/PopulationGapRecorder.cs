using System.Diagnostics;
using Cds.EventStore.Bulk;
using Marten;

namespace Cds.Enrichment.Population;

/// <summary>
/// A population run: every patient-level rule over the tenant's imported cohort (<see cref="PopulationGapFinder"/>), its
/// findings stored per patient (<see cref="PatientPopulationGaps"/>, what <see cref="PopulationGapLookup"/> answers
/// patient-view from) and the run's counts per rule (<see cref="PopulationGapRun"/>). Patients are written a batch at a
/// time, then those the run found nothing for lose the previous run's gaps: each document states its own run's time.
/// </summary>
public sealed class PopulationGapRecorder(IDocumentStore store, PopulationGapFinder finder, TimeProvider time)
{
    private const int BatchSize = 500;

    public async Task<PopulationGapRun> RunAsync(string tenant, Func<PopulationGap, ValueTask>? onGap, CancellationToken ct)
    {
        var started = Stopwatch.StartNew();
        var at = time.GetUtcNow();
        var run = new PopulationGapRun
        {
            Id = $"population:{at:yyyyMMddHHmmss}:{Guid.NewGuid():N}",
            At = at,
            ExportId = await LastExportAsync(tenant, ct).ConfigureAwait(false),
            Rules = finder.RuleIds,
            GapsByRule = finder.RuleIds.ToDictionary(r => r, _ => 0L, StringComparer.Ordinal),
        };

        var batch = new List<PatientPopulationGaps>(BatchSize);
        await foreach (var patient in finder.FindByPatientAsync(tenant, at, ct).ConfigureAwait(false))
        {
            run.Patients++;
            if (patient.Gaps.Count == 0)
            {
                continue;
            }

            run.PatientsWithGaps++;
            foreach (var gap in patient.Gaps)
            {
                run.GapsByRule[gap.RuleId] = run.GapsByRule.GetValueOrDefault(gap.RuleId) + 1;
                if (onGap is not null)
                {
                    await onGap(gap).ConfigureAwait(false);
                }
            }

            batch.Add(new PatientPopulationGaps
            {
                Id = patient.PatientId, RunId = run.Id, RunAt = at,
                Gaps = [.. patient.Gaps.Select(g => new PrecomputedGap(g.RuleId, g.RuleVersion, g.Gap, g.EvidenceDate, g.Evidence, g.Card, g.Finding))],
            });
            if (batch.Count == BatchSize)
            {
                await SaveAsync(tenant, batch, ct).ConfigureAwait(false);
                batch.Clear();
            }
        }

        await SaveAsync(tenant, batch, ct).ConfigureAwait(false);
        run.Duration = started.Elapsed;
        await using (var session = store.LightweightSession(tenant))
        {
            var runId = run.Id;
            session.DeleteWhere<PatientPopulationGaps>(d => d.RunId != runId);
            session.Store(run);
            await session.SaveChangesAsync(ct).ConfigureAwait(false);
        }

        return run;
    }

    private async Task SaveAsync(string tenant, List<PatientPopulationGaps> batch, CancellationToken ct)
    {
        if (batch.Count == 0)
        {
            return;
        }

        await using var session = store.LightweightSession(tenant);
        session.Store<PatientPopulationGaps>(batch);
        await session.SaveChangesAsync(ct).ConfigureAwait(false);
    }

    private async Task<string?> LastExportAsync(string tenant, CancellationToken ct)
    {
        await using var session = store.QuerySession(tenant);
        var last = await session.Events.QueryRawEventDataOnly<BulkExportCompleted>().OrderByDescending(e => e.At).Take(1).ToListAsync(ct).ConfigureAwait(false);
        return last.Count == 0 ? null : last[0].ExportId;
    }
}
