using System.Diagnostics.Metrics;

namespace Cds.Enrichment;

/// <summary>Meter "Cds.Enrichment": evaluation duration by hook and tenant, findings produced.</summary>
public sealed class EnrichmentMetrics
{
    private readonly Histogram<double> _duration;
    private readonly Counter<long> _cards;
    private readonly Counter<long> _storeUnavailable;

    public EnrichmentMetrics(IMeterFactory meters)
    {
        var meter = meters.Create("Cds.Enrichment");
        _duration = meter.CreateHistogram<double>("cds.enrichment.duration", "ms", "Rule evaluation including the store append");
        _cards = meter.CreateCounter<long>("cds.enrichment.cards", description: "Cards produced by the rules");
        _storeUnavailable = meter.CreateCounter<long>("cds.enrichment.store_unavailable", description: "Evaluations answered without the event store");
    }

    public void StoreUnavailable() => _storeUnavailable.Add(1);

    public void Evaluated(string hook, string tenant, double ms, int cards)
    {
        _duration.Record(ms, new("hook", hook), new("tenant", tenant));
        _cards.Add(cards, new KeyValuePair<string, object?>("hook", hook));
    }
}
