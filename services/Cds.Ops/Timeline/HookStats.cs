namespace Cds.Ops.Timeline;

/// <summary>Hook rate and latency over a window, per hook.</summary>
public sealed record HookStats(string Hook, int Count, double PerMinute, double? P50Ms, double? P95Ms, double? MaxMs, int DeadlineMissed);
