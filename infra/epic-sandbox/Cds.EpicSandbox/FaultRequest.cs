namespace Cds.EpicSandbox;

/// <summary>Body of POST /_sandbox/faults.</summary>
public sealed record FaultRequest(
    string? Method = null,
    string? ResourceType = null,
    string? PathContains = null,
    int? Status = null,
    int? RetryAfterSeconds = null,
    int? DelayMs = null,
    bool DropConnection = false,
    int Skip = 0,
    int? Times = null,
    int? DelayAnswerMs = null,
    long? CutBodyAfterBytes = null)
{
    public FaultRule ToRule() => new()
    {
        Method = Method, ResourceType = ResourceType, PathContains = PathContains, Status = Status, RetryAfterSeconds = RetryAfterSeconds,
        Delay = DelayMs is { } ms ? TimeSpan.FromMilliseconds(ms) : null, DropConnection = DropConnection, Skip = Skip, Times = Times,
        DelayAnswer = DelayAnswerMs is { } after ? TimeSpan.FromMilliseconds(after) : null,
        CutBodyAfterBytes = CutBodyAfterBytes,
    };
}
