namespace Cds.Ops.Rabbit;

/// <summary>A message peeked from a queue (requeued by the broker at once: nothing is consumed).</summary>
public sealed record PeekedMessage(int Index, long PayloadBytes, bool Redelivered, IReadOnlyDictionary<string, string> Headers,
    IReadOnlyDictionary<string, string> Properties, string Payload);
