using Cds.Benchmarks.Harness;

namespace Cds.Benchmarks.Scenarios;

/// <summary>
/// B7: the whole platform's hooks/s (B1's hooks service, as B1 runs it) against <see cref="BareHookServer"/> on the same
/// machine, closed loop with 16 clients, interleaved: how far the platform is from what this machine can answer at all.
/// </summary>
public sealed class B7MachineLimitScenario : IScenario
{
    public string Id => "B7";
    public string Title => "full hook vs a bare Kestrel endpoint that only reads the body (the machine's limit)";
    public TimeSpan SmokeBound => TimeSpan.FromSeconds(150);
    public TimeSpan FullBound => TimeSpan.FromSeconds(300);

    public async Task RunAsync(BenchContext context, ScenarioResult result, CancellationToken ct)
    {
        var rig = await HookRig.GetAsync(ct);
        var bare = await rig.StartBareAsync(ct);
        var load = new HookLoad(rig, context, ct);
        var (ours, limit) = await Interleave.RunAsync(context.Repetitions,
            () => load.ThroughputAsync(rig.HooksTracedUrl), () => load.ThroughputAsync(bare));
        // The bare endpoint does almost nothing, so only a hooks service that has stopped answering is "broken" here.
        result.Comparisons.Add(Comparison.From(Id, "max throughput (closed loop, 16 clients)", "hooks/s",
            "hooks service", "bare endpoint (System.Text.Json read, fixed card)", ours, limit, Better.Higher, 0.25,
            "per hook the platform verifies an RS384 JWT, validates the request and checks its FHIR prefetch against the R4 model, runs the rules in-process (this request's prefetch is complete: no bus), reads the patient's late result and precomputed context (one batched read) and records the hook with its jti in a group-committed transaction, with tracing on; the bare endpoint parses the body once and touches no database; both share 2 cores with PostgreSQL and the load driver",
            floor: 0.002));
        result.Notes.Add($"request: B1's order-select, {rig.RequestBytes / 1024.0:0.0} KiB, same prepared bodies and JWTs for both sides; the bare endpoint ignores the JWT.");
    }
}
