using System.Diagnostics;
using System.Diagnostics.Metrics;

namespace Cds.Hooks;

/// <summary>Meter "Cds.Hooks": hook latency by service, tenant and outcome; deadline misses; cards by indicator.</summary>
public sealed class HookMetrics
{
    public const string Name = "Cds.Hooks";
    public static readonly ActivitySource Activity = new(Name);

    private readonly Histogram<double> _latency;
    private readonly Counter<long> _deadlineMisses;
    private readonly Counter<long> _cards;
    private readonly Counter<long> _stripped;
    private readonly Counter<long> _storeFailures;
    private readonly Counter<long> _replays;
    private readonly Counter<long> _hardDeadlines;
    private readonly Counter<long> _enrichmentRequests;
    private readonly Counter<long> _unrecognised;
    private readonly Counter<long> _snoozed;
    private readonly Histogram<long> _batchSize;

    public HookMetrics(IMeterFactory meters)
    {
        var meter = meters.Create(Name);
        _latency = meter.CreateHistogram<double>("cds.hooks.latency", "ms", "Time from receipt to answer");
        _deadlineMisses = meter.CreateCounter<long>("cds.hooks.deadline_misses", description: "Hooks answered without the live evaluation");
        _cards = meter.CreateCounter<long>("cds.hooks.cards", description: "Cards returned, by indicator");
        _stripped = meter.CreateCounter<long>("cds.hooks.stripped_requests", description: "Epic requests stripped for an endpoint URL mismatch");
        _storeFailures = meter.CreateCounter<long>("cds.hooks.store_failures", description: "Hook events that could not be recorded");
        _replays = meter.CreateCounter<long>("cds.hooks.replays", description: "Repeated hookInstance answered from the store");
        _hardDeadlines = meter.CreateCounter<long>("cds.hooks.hard_deadline_answers",
            description: "Hooks answered without cards at the hard deadline because recording or sending was still pending");
        _enrichmentRequests = meter.CreateCounter<long>("cds.hooks.enrichment_requests",
            description: "Hooks that asked enrichment over the bus (data only the backend token can read), by reason");
        _unrecognised = meter.CreateCounter<long>("cds.hooks.unrecognised_medications",
            description: "Medications no rule vocabulary recognised in hooks decided here, by source (draft, active)");
        _snoozed = meter.CreateCounter<long>("cds.hooks.cards_snoozed",
            description: "Cards held back by snooze after override (recorded as CardsSnoozed) in hooks decided here, by rule");
        _batchSize = meter.CreateHistogram<long>("cds.hooks.record_batch_size", "{hook}", "Hooks recorded in one group-committed transaction");
    }

    public void Answered(string service, string tenant, string outcome, double ms) =>
        _latency.Record(ms, new("service", service), new("tenant", tenant), new("outcome", outcome));

    public void DeadlineMissed(string service, string tenant) => _deadlineMisses.Add(1, new("service", service), new("tenant", tenant));

    public void Card(string service, string indicator) => _cards.Add(1, new("service", service), new("indicator", indicator));

    public void Stripped(string tenant) => _stripped.Add(1, new KeyValuePair<string, object?>("tenant", tenant));

    public void StoreFailure(string what) => _storeFailures.Add(1, new KeyValuePair<string, object?>("event", what));

    public void HardDeadline(string service, string tenant) => _hardDeadlines.Add(1, new("service", service), new("tenant", tenant));

    public void EnrichmentRequest(string service, string reason) => _enrichmentRequests.Add(1, new("service", service), new("reason", reason));

    public void Unrecognised(string tenant, IReadOnlyList<Rules.UnrecognisedMedication> medications)
    {
        foreach (var source in medications.GroupBy(m => m.Source, StringComparer.Ordinal))
        {
            _unrecognised.Add(source.Count(), new KeyValuePair<string, object?>("tenant", tenant), new KeyValuePair<string, object?>("source", source.Key));
        }
    }

    public void Snoozed(string tenant, Rules.SnoozeAfterOverride.Split split)
    {
        foreach (var rule in split.Snoozed.GroupBy(s => s.Outcome.Finding.RuleId, StringComparer.Ordinal))
        {
            _snoozed.Add(rule.Count(), new KeyValuePair<string, object?>("tenant", tenant), new KeyValuePair<string, object?>("rule", rule.Key));
        }
    }

    public void Batch(int hooks) => _batchSize.Record(hooks);

    public void Replay(string service) => _replays.Add(1, new KeyValuePair<string, object?>("service", service));
}
