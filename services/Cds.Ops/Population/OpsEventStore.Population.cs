using Cds.EventStore.Bulk;
using Marten;

namespace Cds.Ops.Timeline;

/// <summary>The population runs (what `population gaps` and the scheduled runs stored) for the dashboard.</summary>
public sealed partial class OpsEventStore
{
    /// <summary>The platform's document store (the scheduled export writes its runs through it).</summary>
    public IDocumentStore Documents => _store;

    /// <summary>The latest population run of each tenant that has one.</summary>
    public async Task<IReadOnlyList<(string Tenant, PopulationGapRun Run)>> LatestPopulationRunsAsync(IEnumerable<string> tenants, CancellationToken ct = default)
    {
        var lookup = new PopulationGapLookup(_store, TimeProvider.System);
        var runs = new List<(string, PopulationGapRun)>();
        foreach (var tenant in tenants)
        {
            if (await lookup.LatestRunAsync(tenant, ct) is { } run)
            {
                runs.Add((tenant, run));
            }
        }
        return runs;
    }
}
