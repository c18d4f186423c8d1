using System.Diagnostics;

namespace Cds.Hooks;

/// <summary>
/// A hook's time, computed once from its arrival (<see cref="Stopwatch.GetTimestamp"/>, before authentication, as
/// Epic's timer counts from its send): the prefetch fetch may take the first half of the deadline, the evaluation may
/// be waited for until the answer reserve, and at the hard stop Epic gets an answer whatever is pending.
/// </summary>
public readonly record struct HookBudget(long ArrivedAt, TimeSpan Deadline, TimeSpan PrefetchUntil, TimeSpan EvaluationUntil)
{
    public static HookBudget From(long arrivedAt, TimeSpan deadline, TimeSpan answerReserve) =>
        new(arrivedAt, deadline, deadline / 2, deadline - answerReserve);

    public TimeSpan Elapsed => Stopwatch.GetElapsedTime(ArrivedAt);
    public TimeSpan PrefetchLeft => Left(PrefetchUntil);
    public TimeSpan EvaluationLeft => Left(EvaluationUntil);
    public TimeSpan HardStopLeft => Left(Deadline);

    private TimeSpan Left(TimeSpan until) => until - Elapsed is var left && left > TimeSpan.Zero ? left : TimeSpan.Zero;
}
