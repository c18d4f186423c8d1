using System.Diagnostics;
using HdrHistogram;

namespace Cds.Benchmarks.Harness;

/// <summary>Latency figures from an open-loop run, in milliseconds.</summary>
public sealed record LatencyResult(double P50, double P90, double P99, double Max, int Sent, int Errors, int Late)
{
    public bool Failed => Sent == 0 || Errors * 20 > Sent; // more than 5 % errors: not a latency figure
}

public static class Load
{
    /// <summary>
    /// Open loop: requests start at fixed intended times (t0 + i/rate) whether or not earlier ones have answered, and each
    /// latency is taken from its intended send time, so a stall is counted for every request it delays (no coordinated
    /// omission). Bounded by <paramref name="duration"/> and <paramref name="maxOutstanding"/>; a request that cannot start
    /// because too many are outstanding is counted as an error with the full time it waited.
    /// </summary>
    public static async Task<LatencyResult> OpenLoopAsync(double rate, TimeSpan duration, Func<CancellationToken, Task> send,
        int maxOutstanding = 512, TimeSpan? requestTimeout = null, CancellationToken cancel = default)
    {
        var timeout = requestTimeout ?? TimeSpan.FromSeconds(10);
        var highest = TimeStamp.Seconds(120);
        var histogram = new LongHistogram(highest, 3);
        var gate = new object();
        var count = (int)Math.Max(1, Math.Round(rate * duration.TotalSeconds));
        var errors = 0;
        var late = 0;
        var outstanding = 0;
        var tasks = new List<Task>(count);
        var start = Stopwatch.GetTimestamp();
        var ticksPerRequest = Stopwatch.Frequency / rate;

        for (var i = 0; i < count && !cancel.IsCancellationRequested; i++)
        {
            var intended = start + (long)(i * ticksPerRequest);
            var wait = intended - Stopwatch.GetTimestamp();
            if (wait > Stopwatch.Frequency / 500) // more than 2 ms ahead: sleep most of it
            {
                await Task.Delay(TimeSpan.FromSeconds((double)(wait - Stopwatch.Frequency / 1000) / Stopwatch.Frequency));
            }
            while (Stopwatch.GetTimestamp() < intended)
            {
                Thread.SpinWait(20);
            }
            if (Stopwatch.GetTimestamp() - intended > Stopwatch.Frequency / 100)
            {
                Interlocked.Increment(ref late); // the driver itself was more than 10 ms behind schedule
            }
            if (Volatile.Read(ref outstanding) >= maxOutstanding)
            {
                Interlocked.Increment(ref errors);
                continue;
            }
            Interlocked.Increment(ref outstanding);
            tasks.Add(Task.Run(async () =>
            {
                try
                {
                    using var cts = new CancellationTokenSource(timeout);
                    await send(cts.Token);
                }
                catch (Exception)
                {
                    Interlocked.Increment(ref errors);
                }
                finally
                {
                    var elapsed = Stopwatch.GetTimestamp() - intended;
                    lock (gate)
                    {
                        histogram.RecordValue(Math.Clamp(elapsed, 1, highest));
                    }
                    Interlocked.Decrement(ref outstanding);
                }
            }));
        }
        await Task.WhenAll(tasks);
        double Ms(long ticks) => ticks * 1000.0 / Stopwatch.Frequency;
        lock (gate)
        {
            return new LatencyResult(Ms(histogram.GetValueAtPercentile(50)), Ms(histogram.GetValueAtPercentile(90)),
                Ms(histogram.GetValueAtPercentile(99)), Ms(histogram.GetMaxValue()), count, errors, late);
        }
    }

    /// <summary>
    /// Closed loop: <paramref name="workers"/> loops each send the next request when the previous one answered, for
    /// <paramref name="duration"/>. Returns completed operations per second (an operation may count as several units).
    /// </summary>
    public static async Task<double> ClosedLoopAsync(int workers, TimeSpan duration, Func<int, CancellationToken, Task<int>> operation,
        CancellationToken cancel = default)
    {
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancel);
        stop.CancelAfter(duration);
        long done = 0;
        long ok = 0;
        long failed = 0;
        Exception? last = null;
        var started = Stopwatch.GetTimestamp();
        var loops = Enumerable.Range(0, workers).Select(w => Task.Run(async () =>
        {
            while (!stop.IsCancellationRequested)
            {
                try
                {
                    var units = await operation(w, CancellationToken.None);
                    Interlocked.Add(ref done, units);
                    Interlocked.Increment(ref ok);
                }
                catch (Exception ex) when (ex is not OperationCanceledException || !cancel.IsCancellationRequested)
                {
                    // One slow or failed request must not end the window; too many make it an error below.
                    Interlocked.Increment(ref failed);
                    last = ex;
                }
            }
        })).ToArray();
        await Task.WhenAll(loops);
        cancel.ThrowIfCancellationRequested();
        if (failed * 20 > ok + failed)
        {
            throw new InvalidOperationException($"{failed} of {ok + failed} operations failed (last: {last?.GetType().Name}: {last?.Message})");
        }
        return done / Stopwatch.GetElapsedTime(started).TotalSeconds;
    }
}
