namespace Cds.Testing;

/// <summary>
/// Polls for a state the system reaches asynchronously. A slow machine only makes it wait longer: the timeout is a
/// ceiling for a stuck system (90 s unless told), never a measurement.
/// </summary>
public static class Eventually
{
    public static readonly TimeSpan DefaultTimeout = TimeSpan.FromSeconds(90);
    private static readonly TimeSpan DefaultInterval = TimeSpan.FromMilliseconds(200);

    /// <summary>The first non-null answer of <paramref name="probe"/>; a <see cref="TimeoutException"/> when there is none in time.</summary>
    /// <param name="whyNot">On timeout, describes the last state seen (for the failure message).</param>
    public static async Task<T> WaitForAsync<T>(Func<Task<T?>> probe, Func<Task<string>>? whyNot = null, TimeSpan? timeout = null, TimeSpan? interval = null)
        where T : class
    {
        var until = DateTime.UtcNow + (timeout ?? DefaultTimeout);
        while (true)
        {
            if (await probe() is { } found)
            {
                return found;
            }
            if (DateTime.UtcNow >= until)
            {
                throw new TimeoutException($"condition not met within {(timeout ?? DefaultTimeout).TotalSeconds:0} s" + (whyNot is null ? "" : "; " + await whyNot()));
            }
            await Task.Delay(interval ?? DefaultInterval);
        }
    }

    /// <summary>Returns once <paramref name="condition"/> holds; a <see cref="TimeoutException"/> saying <paramref name="because"/> when it does not in time.</summary>
    public static async Task UntilAsync(Func<Task<bool>> condition, Func<string> because, TimeSpan? timeout = null, TimeSpan? interval = null) =>
        await WaitForAsync(async () => await condition() ? "done" : null, () => Task.FromResult(because()), timeout, interval);

    /// <inheritdoc cref="UntilAsync(Func{Task{bool}}, Func{string}, TimeSpan?, TimeSpan?)"/>
    public static Task UntilAsync(Func<bool> condition, Func<string> because, TimeSpan? timeout = null, TimeSpan? interval = null) =>
        UntilAsync(() => Task.FromResult(condition()), because, timeout, interval);

    /// <summary>
    /// Reads until <paramref name="done"/> holds and returns that reading, or the last reading when time is up: the caller's
    /// assertions then say what is wrong with it.
    /// </summary>
    public static async Task<T> ReadUntilAsync<T>(Func<Task<T>> read, Func<T, bool> done, TimeSpan? timeout = null, TimeSpan? interval = null)
    {
        var until = DateTime.UtcNow + (timeout ?? DefaultTimeout);
        while (true)
        {
            var reading = await read();
            if (done(reading) || DateTime.UtcNow >= until)
            {
                return reading;
            }
            await Task.Delay(interval ?? DefaultInterval);
        }
    }
}
