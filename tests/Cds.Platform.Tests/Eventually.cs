namespace Cds.Platform.Tests;

/// <summary>Polls for a state the platform reaches asynchronously (a slow machine only makes it wait longer).</summary>
public static class Eventually
{
    /// <param name="whyNot">On timeout, describes the last state seen (for the failure message).</param>
    public static async Task<T> WaitForAsync<T>(Func<Task<T?>> probe, Func<Task<string>>? whyNot = null) where T : class
    {
        var until = DateTime.UtcNow.AddSeconds(90);
        while (DateTime.UtcNow < until)
        {
            if (await probe() is { } found)
            {
                return found;
            }
            await Task.Delay(200);
        }
        throw new TimeoutException("condition not met within 90 s" + (whyNot is null ? "" : "; " + await whyNot()));
    }
}
