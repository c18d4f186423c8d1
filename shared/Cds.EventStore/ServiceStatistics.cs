namespace Cds.EventStore;

/// <summary>Per CDS service (and tenant: conjoined), since the first hook: volume, latency, deadline misses, cards.</summary>
public sealed class ServiceStatistics
{
    public string Id { get; set; } = "";
    public long Hooks { get; set; }
    public long Answered { get; set; }
    public long DeadlineMisses { get; set; }
    public double LatencyTotalMs { get; set; }
    public double LatencyMaxMs { get; set; }
    public Dictionary<string, long> CardsByIndicator { get; set; } = [];
    public long Feedback { get; set; }
    public long Overrides { get; set; }
    public DateTimeOffset? LastHookAt { get; set; }

    public double LatencyMeanMs => Answered == 0 ? 0 : LatencyTotalMs / Answered;
}
