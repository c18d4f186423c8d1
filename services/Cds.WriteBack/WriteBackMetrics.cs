using System.Diagnostics.Metrics;

namespace Cds.WriteBack;

/// <summary>Meter "Cds.WriteBack": notes by tenant and result (created, existing, skipped, duplicate, failed).</summary>
public sealed class WriteBackMetrics : IDisposable
{
    public const string MeterName = "Cds.WriteBack";
    private readonly Meter _meter;
    private readonly Counter<long> _results;

    public WriteBackMetrics(IMeterFactory meters)
    {
        _meter = meters.Create(MeterName);
        _results = _meter.CreateCounter<long>("cds.writeback.results", description: "Write-back outcomes per feedback message");
    }

    public void Result(string tenant, string result, string? trigger = null) =>
        _results.Add(1, new("tenant", tenant), new("result", result), new("trigger", trigger ?? ""));

    public void Dispose() => _meter.Dispose();
}
