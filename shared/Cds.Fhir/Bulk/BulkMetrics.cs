using System.Diagnostics.Metrics;

namespace Cds.Fhir.Bulk;

/// <summary>Bulk export instruments on the <c>Cds.Fhir</c> meter; tags are tenant and outcome only.</summary>
public sealed class BulkMetrics
{
    private readonly Counter<long> _cooldowns;
    private readonly Counter<long> _pollWaits;
    private readonly Counter<long> _resumes;
    private readonly Counter<long> _bytes;
    private readonly Counter<long> _resources;
    private readonly Histogram<double> _duration;

    public BulkMetrics(IMeterFactory meterFactory)
    {
        var meter = meterFactory.Create(FhirMetrics.MeterName);
        _cooldowns = meter.CreateCounter<long>("cds.fhir.bulk.cooldowns", description: "429 'too recently' cooldowns met on export kick-off, by tenant");
        _pollWaits = meter.CreateCounter<long>("cds.fhir.bulk.poll_waits", description: "Waits between status polls, by tenant and reason (in_progress, transient)");
        _resumes = meter.CreateCounter<long>("cds.fhir.bulk.download_resumes", description: "File downloads resumed after a break, by tenant and how (range, skip_lines)");
        _bytes = meter.CreateCounter<long>("cds.fhir.bulk.bytes", unit: "By", description: "NDJSON bytes downloaded, by tenant");
        _resources = meter.CreateCounter<long>("cds.fhir.bulk.resources", description: "Resources imported from exports, by tenant");
        _duration = meter.CreateHistogram<double>("cds.fhir.bulk.export.duration", unit: "s", description: "Export runs from kick-off to completion, by tenant and outcome");
    }

    public void Cooldown(string tenant) => _cooldowns.Add(1, new KeyValuePair<string, object?>("tenant", tenant));

    public void PollWait(string tenant, string reason) =>
        _pollWaits.Add(1, new KeyValuePair<string, object?>("tenant", tenant), new KeyValuePair<string, object?>("reason", reason));

    public void Resume(string tenant, string how) =>
        _resumes.Add(1, new KeyValuePair<string, object?>("tenant", tenant), new KeyValuePair<string, object?>("how", how));

    public void Bytes(string tenant, long n) => _bytes.Add(n, new KeyValuePair<string, object?>("tenant", tenant));

    public void Resources(string tenant, long n) => _resources.Add(n, new KeyValuePair<string, object?>("tenant", tenant));

    public void Duration(string tenant, string outcome, TimeSpan elapsed) =>
        _duration.Record(elapsed.TotalSeconds, new KeyValuePair<string, object?>("tenant", tenant), new KeyValuePair<string, object?>("outcome", outcome));
}
