namespace Cds.Ops.Rabbit;

/// <summary>One queue as the management API reports it (depth, consumers, rates per second).</summary>
public sealed record QueueStatus(
    string Name,
    string VirtualHost,
    long Messages,
    long Ready,
    long Unacknowledged,
    int Consumers,
    double PublishRate,
    double DeliverRate,
    double AckRate,
    string Type,
    string State)
{
    public const string ErrorSuffix = "_error";
    public bool IsErrorQueue => Name.EndsWith(ErrorSuffix, StringComparison.Ordinal);
    /// <summary>For <c>X_error</c>: <c>X</c>.</summary>
    public string? SourceQueue => IsErrorQueue ? Name[..^ErrorSuffix.Length] : null;
}
