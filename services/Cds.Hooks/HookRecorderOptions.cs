namespace Cds.Hooks;

/// <summary>How the hook recorder batches (configuration section <c>Hooks:Recorder</c>).</summary>
public sealed class HookRecorderOptions
{
    public const string Section = "Hooks:Recorder";

    /// <summary>How long the first hook of a batch waits for others to join it (at most 2 ms; default 1 ms).</summary>
    public TimeSpan Window { get; set; } = TimeSpan.FromMilliseconds(1);

    /// <summary>Most hooks in one transaction (default 64).</summary>
    public int MaxBatch { get; set; } = 64;
}
