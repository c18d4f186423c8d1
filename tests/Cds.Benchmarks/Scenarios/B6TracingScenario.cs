using Cds.Benchmarks.Harness;

namespace Cds.Benchmarks.Scenarios;

/// <summary>
/// B6: B1's hook with OpenTelemetry tracing on (sampler always_on, OTLP/HTTP export to a local sink) against the same
/// service with tracing off (sampler always_off, no exporter), interleaved.
/// </summary>
public sealed class B6TracingScenario : IScenario
{
    public string Id => "B6";
    public string Title => "full hook with tracing on vs off";
    public TimeSpan SmokeBound => TimeSpan.FromSeconds(150);
    public TimeSpan FullBound => TimeSpan.FromSeconds(360);

    public async Task RunAsync(BenchContext context, ScenarioResult result, CancellationToken ct)
    {
        var rig = await HookRig.GetAsync(ct);
        var load = new HookLoad(rig, context, ct);
        var (on, off) = await Interleave.RunAsync(context.Repetitions,
            () => load.ThroughputAsync(rig.HooksTracedUrl), () => load.ThroughputAsync(rig.HooksUntracedUrl));
        result.Comparisons.Add(Comparison.From(Id, "max throughput (closed loop, 16 clients)", "hooks/s",
            "tracing on (OTLP export)", "tracing off", on, off, Better.Higher, 0.85,
            "span creation for ASP.NET Core, MassTransit, Marten and Npgsql plus OTLP protobuf export, on the same 2 cores"));

        if (context.Smoke)
        {
            return; // smoke: throughput only (the rig is shared with B1, whose latency run covers the open loop)
        }
        var rate = HookLoad.RateFor(off);
        var (p99On, p99Off) = await Interleave.RunAsync(context.Repetitions,
            async () => (await load.LatencyAsync(rig.HooksTracedUrl, rate)).P99,
            async () => (await load.LatencyAsync(rig.HooksUntracedUrl, rate)).P99, warmup: false);
        result.Comparisons.Add(Comparison.From(Id, $"p99 latency, open loop at {rate:0} req/s", "ms",
            "tracing on (OTLP export)", "tracing off", p99On, p99Off, Better.Lower, null));
    }
}
