using Cds.Contracts;
using Cds.EventStore;
using Cds.EventStore.RuleOutcomes;

namespace Cds.Hooks;

/// <summary>Evaluated in this process, or by enrichment over the bus; null: nothing in time.</summary>
internal sealed record Evaluation(IReadOnlyList<Card> Cards, EnrichmentCompleted? Completed, CardsSilenced? Silenced, CardsSnoozed? Snoozed)
{
    /// <summary>What the hook's stream records of the evaluation (enrichment over the bus records its own).</summary>
    public IEnumerable<object> Events => new object?[] { Completed, Silenced, Snoozed }.OfType<object>();
}
