using Cds.Benchmarks.Harness;

namespace Cds.Benchmarks.Scenarios;

/// <summary>Closed- and open-loop load against one hook endpoint, with JWTs signed ahead of the timed window.</summary>
public sealed class HookLoad(HookRig rig, BenchContext context, CancellationToken cancel)
{
    public const int Workers = 16;

    public int ZeroCardAnswers;

    /// <summary>Closed loop for <see cref="BenchContext.Window"/>: hooks answered per second.</summary>
    public async Task<double> ThroughputAsync(Uri target)
    {
        var pool = rig.Prepare(context.Smoke ? 80 : 900);
        var next = -1;
        return await Load.ClosedLoopAsync(Workers, context.Window, async (_, ct) =>
        {
            var i = Interlocked.Increment(ref next);
            var hook = i < pool.Length ? pool[i] : rig.Prepare(1)[0];
            var cards = await rig.SendAsync(target, hook, ct);
            if (cards == 0)
            {
                Interlocked.Increment(ref ZeroCardAnswers);
            }
            return 1;
        }, cancel);
    }

    /// <summary>Open loop at <paramref name="rate"/> for <see cref="BenchContext.LatencyWindow"/>; latency from the intended send time.</summary>
    public async Task<LatencyResult> LatencyAsync(Uri target, double rate)
    {
        var count = (int)Math.Ceiling(rate * context.LatencyWindow.TotalSeconds) + 1;
        var pool = rig.Prepare(count);
        var next = -1;
        var result = await Load.OpenLoopAsync(rate, context.LatencyWindow, async ct =>
        {
            var i = Interlocked.Increment(ref next);
            var cards = await rig.SendAsync(target, pool[Math.Min(i, pool.Length - 1)], ct);
            if (cards == 0)
            {
                Interlocked.Increment(ref ZeroCardAnswers);
            }
        }, cancel: cancel);
        cancel.ThrowIfCancellationRequested();
        if (result.Failed)
        {
            throw new InvalidOperationException($"{result.Errors} of {result.Sent} hooks failed at {rate:0} req/s against {target} (first: {rig.FirstFailure})");
        }
        return result;
    }

    /// <summary>The fixed arrival rate of a latency comparison: half of the slower side's median closed-loop throughput.</summary>
    public static double RateFor(IEnumerable<double> throughputs) => Math.Clamp(Math.Round(Summary.Of(throughputs).Median * 0.5), 5, 400);
}
