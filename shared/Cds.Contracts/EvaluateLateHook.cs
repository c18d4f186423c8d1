using MassTransit;

namespace Cds.Contracts;

/// <summary>
/// An <see cref="EvaluateHook"/> taken after its deadline (a backlog after a broker outage, a stalled worker): its hook
/// has answered, so it moves to its own queue and never delays a live hook's evaluation. Its result is recorded as late
/// and served on the patient's next hook.
/// </summary>
[MessageUrn("cds:evaluate-late-hook:v1")]
public sealed record EvaluateLateHook
{
    public required EvaluateHook Request { get; init; }
}
