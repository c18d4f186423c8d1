namespace Cds.Ops.Rabbit;

/// <summary>What a redelivery did: messages moved, and why it stopped.</summary>
public sealed record RedeliveryResult(string ErrorQueue, string TargetQueue, int Moved, string StoppedBecause, bool Interrupted = false);
