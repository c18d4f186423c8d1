using System.Diagnostics.Metrics;
using Cds.Rules;

namespace Cds.Enrichment;

/// <summary>
/// Meter "Cds.Enrichment": evaluation duration by hook and tenant, findings produced, medications no rule vocabulary
/// recognised, evaluations on data older than the hook's bound.
/// </summary>
public sealed class EnrichmentMetrics
{
    private readonly Histogram<double> _duration;
    private readonly Counter<long> _cards;
    private readonly Counter<long> _storeUnavailable;
    private readonly Counter<long> _unrecognised;
    private readonly Counter<long> _staleData;
    private readonly Counter<long> _movedLate;
    private readonly Counter<long> _precomputed;
    private readonly Counter<long> _snoozed;

    public EnrichmentMetrics(IMeterFactory meters)
    {
        var meter = meters.Create("Cds.Enrichment");
        _duration = meter.CreateHistogram<double>("cds.enrichment.duration", "ms", "Rule evaluation including the store append");
        _cards = meter.CreateCounter<long>("cds.enrichment.cards", description: "Cards produced by the rules");
        _storeUnavailable = meter.CreateCounter<long>("cds.enrichment.store_unavailable", description: "Evaluations answered without the event store");
        _unrecognised = meter.CreateCounter<long>("cds.enrichment.unrecognised_medications",
            description: "Medications (draft or active) that no rule vocabulary recognised, by tenant and source: extend shared/Cds.Rules/Vocabulary/drug-vocabulary.json");
        _staleData = meter.CreateCounter<long>("cds.enrichment.stale_data",
            description: "Order-hook evaluations on a patient context older than Enrichment:OrderTimeMaxAge (Epic could not be read again in time)");
        _movedLate = meter.CreateCounter<long>("cds.enrichment.moved_late",
            description: "Evaluations taken after their hook's deadline, moved to the late queue (never ahead of live hooks)");
        _precomputed = meter.CreateCounter<long>("cds.enrichment.precomputed_contexts",
            description: "Order-time patient contexts read at patient-view, by outcome (read, fresh, failed)");
        _snoozed = meter.CreateCounter<long>("cds.enrichment.cards_snoozed",
            description: "Cards held back by snooze after override (recorded as CardsSnoozed), by tenant and rule");
    }

    public void MovedLate(string hook) => _movedLate.Add(1, new KeyValuePair<string, object?>("hook", hook));

    public void Precomputed(string tenant, string outcome) =>
        _precomputed.Add(1, new KeyValuePair<string, object?>("tenant", tenant), new KeyValuePair<string, object?>("outcome", outcome));

    public void StoreUnavailable() => _storeUnavailable.Add(1);

    public void Unrecognised(string tenant, IReadOnlyList<UnrecognisedMedication> medications)
    {
        foreach (var source in medications.GroupBy(m => m.Source, StringComparer.Ordinal))
        {
            _unrecognised.Add(source.Count(), new KeyValuePair<string, object?>("tenant", tenant), new KeyValuePair<string, object?>("source", source.Key));
        }
    }

    public void Snoozed(string tenant, SnoozeAfterOverride.Split split)
    {
        foreach (var rule in split.Snoozed.GroupBy(s => s.Outcome.Finding.RuleId, StringComparer.Ordinal))
        {
            _snoozed.Add(rule.Count(), new KeyValuePair<string, object?>("tenant", tenant), new KeyValuePair<string, object?>("rule", rule.Key));
        }
    }

    public void StaleData(string tenant, string hook) =>
        _staleData.Add(1, new KeyValuePair<string, object?>("tenant", tenant), new KeyValuePair<string, object?>("hook", hook));

    public void Evaluated(string hook, string tenant, double ms, int cards)
    {
        _duration.Record(ms, new("hook", hook), new("tenant", tenant));
        _cards.Add(cards, new KeyValuePair<string, object?>("hook", hook));
    }
}
