using System.Globalization;
using Cds.Benchmarks.Harness;
using Cds.Contracts;
using Cds.ServiceDefaults;
using MassTransit;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Cds.Benchmarks.Scenarios;

/// <summary>
/// B1: the full hook (Epic JWT, validation, prefetch → context, rules in the hooks process (complete prefetch: no bus), event
/// appends) of the hooks service — tracing exported, as deployed — against the inline baseline (<see cref="InlineHookServer"/>).
/// Throughput from a closed loop (16 clients); latency from an open loop at a fixed rate (half the slower side's throughput),
/// measured from the intended send time. Also: the hooks service's peak RSS and the enrichment throughput with one and two
/// competing instances.
/// </summary>
public sealed class B1HookScenario : IScenario
{
    public string Id => "B1";
    public string Title => "full hook vs the same checks inline in a bare Kestrel endpoint";
    // Bounds guard against hangs, not timing: they include starting the services (HookRig) on a loaded machine.
    public TimeSpan SmokeBound => TimeSpan.FromSeconds(180);
    public TimeSpan FullBound => TimeSpan.FromSeconds(480);

    public async Task RunAsync(BenchContext context, ScenarioResult result, CancellationToken ct)
    {
        var rig = await HookRig.GetAsync(ct);
        var load = new HookLoad(rig, context, ct);
        context.HookRequestBytes = rig.RequestBytes;

        var (ours, inline) = await Interleave.RunAsync(context.Repetitions,
            () => load.ThroughputAsync(rig.HooksTracedUrl), () => load.ThroughputAsync(rig.InlineUrl));
        result.Comparisons.Add(Comparison.From(Id, "max throughput (closed loop, 16 clients)", "hooks/s",
            "hooks service", "inline endpoint", ours, inline, Better.Higher, 0.8,
            "per hook our path adds one read (late result) and one group-committed PostgreSQL transaction (jti + the hook's events, shared by concurrent hooks) plus the events' JSON on top of the inline work; all of it shares 2 cores with RabbitMQ, PostgreSQL, the enrichment and write-back processes and the load driver"));

        var rate = HookLoad.RateFor(ours);
        var latencies = new List<(LatencyResult Ours, LatencyResult Inline)>();
        var (p99Ours, p99Inline) = await Interleave.RunAsync(context.Repetitions,
            async () =>
            {
                var r = await load.LatencyAsync(rig.HooksTracedUrl, rate);
                latencies.Add((r, null!));
                return r.P99;
            },
            async () =>
            {
                var r = await load.LatencyAsync(rig.InlineUrl, rate);
                latencies[^1] = (latencies[^1].Ours, r);
                return r.P99;
            }, warmup: false);
        var p50Ours = latencies.Select(l => l.Ours.P50).ToList();
        var p50Inline = latencies.Select(l => l.Inline?.P50 ?? double.NaN).ToList();
        result.Comparisons.Add(Comparison.From(Id, $"p99 latency, open loop at {rate:0} req/s", "ms",
            "hooks service", "inline endpoint", p99Ours, p99Inline, Better.Lower, 1.5,
            "the store read and the group commit (a batch waits up to 1 ms for company, then its commit) are fixed costs of a few ms the inline endpoint does not pay; on 2 shared cores the tail also carries GC pauses of three server processes"));
        result.Comparisons.Add(Comparison.From(Id, $"p50 latency, open loop at {rate:0} req/s", "ms",
            "hooks service", "inline endpoint", p50Ours, p50Inline, Better.Lower, null));
        context.HookP50Ms = Summary.Of(p50Ours).Median;

        var peak = rig.HooksTraced.PeakRssMb();
        var parts = rig.HooksTraced.RssBreakdownMb();
        var breakdown = parts is var (anon, file, shmem)
            ? string.Create(CultureInfo.InvariantCulture,
                $"after the load: {anon:0} MB anonymous (GC heaps, native buffers), {file:0} MB mapped assemblies and libraries (mostly shared with other .NET processes), {shmem:0} MB JIT code and stubs (W^X double mapping)")
            : "no /proc breakdown";
        result.Observations.Add(new Observation(Id, "peak RSS of the hooks service under B1's load",
            peak is { } mb ? $"{mb:0} MB" : "not available (no /proc)", "≤ 200 MB", peak is { } p ? p <= 200 : null,
            peak is > 200
                ? breakdown + "; the GC settings were chosen by this measurement (docs/benchmarks.md, RSS options); what is left is the mapped assemblies (Firely, Marten, MassTransit, Npgsql, ASP.NET Core) and their JIT code; ReadyToRun was measured and only trades JIT code for larger mapped images (RSS options), so only fewer assemblies in the hooks process would shrink it"
                : null));
        result.Notes.Add("hooks service resident set " + breakdown + ".");
        result.Notes.Add(string.Create(CultureInfo.InvariantCulture,
            $"request: order-select with full prefetch and draftOrders, {rig.RequestBytes / 1024.0:0.0} KiB; {load.ZeroCardAnswers} answers had no card (deadline passed or enrichment failed)."));
        result.Notes.Add("each service runs in its own process with its own runtimeconfig (GC settings as deployed); the Epic sandbox and the load driver share this process; JWTs are signed before each timed window.");

        if (!context.Smoke)
        {
            await EnrichmentScalingAsync(context, rig, result, ct);
        }
    }

    /// <summary>EvaluateHook requests answered per second by one, then two competing enrichment instances (closed loop).</summary>
    private async Task EnrichmentScalingAsync(BenchContext context, HookRig rig, ScenarioResult result, CancellationToken ct)
    {
        var builder = Host.CreateApplicationBuilder();
        builder.Logging.SetMinimumLevel(LogLevel.Warning);
        builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?> { ["ConnectionStrings:RabbitMq"] = rig.Infra.RabbitMq });
        builder.AddCdsBus("bench-client", x => x.AddRequestClient<EvaluateHook>(RequestTimeout.After(s: 30)));
        using var host = builder.Build();
        await host.StartAsync(ct);
        var client = host.Services.GetRequiredService<IRequestClient<EvaluateHook>>();
        var seq = 0;
        Task<double> Measure() => Load.ClosedLoopAsync(32, context.Window, async (_, c) =>
        {
            await client.GetResponse<HookEvaluated>(Payloads.EvaluateHook(Interlocked.Increment(ref seq)), c);
            return 1;
        });

        var one = new List<double>();
        var two = new List<double>();
        await Measure(); // warm-up
        for (var i = 0; i < Math.Max(1, context.Repetitions / 2); i++)
        {
            one.Add(await Measure());
            await rig.StartSecondEnrichmentAsync(ct);
            await Measure(); // the new instance warms up (JIT, Marten) before it counts
            two.Add(await Measure());
            await rig.StopSecondEnrichmentAsync();
        }
        var s1 = Summary.Of(one);
        var s2 = Summary.Of(two);
        result.Observations.Add(new Observation(Id, "enrichment throughput, 1 instance", string.Create(CultureInfo.InvariantCulture, $"{s1.Median:0} evaluations/s [{s1.Min:0}–{s1.Max:0}]"), null, null));
        result.Observations.Add(new Observation(Id, "enrichment throughput, 2 competing instances", string.Create(CultureInfo.InvariantCulture,
            $"{s2.Median:0} evaluations/s [{s2.Min:0}–{s2.Max:0}], ×{s2.Median / s1.Median:0.00} of one"), null, null,
            "both instances, PostgreSQL and RabbitMQ share the same 2 cores: scaling out on one machine cannot add CPU"));
        await host.StopAsync(CancellationToken.None);
    }
}
