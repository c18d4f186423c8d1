using Marten.Events.Projections;

namespace Cds.EventStore;

/// <summary>
/// Async (run by the async daemon, hot/cold across instances): statistics are not on the hook's path, so they are
/// computed behind it, and a failing event stops the projection instead of being skipped.
/// </summary>
public sealed partial class ServiceStatisticsProjection : MultiStreamProjection<ServiceStatistics, string>
{
    public ServiceStatisticsProjection()
    {
        Identity<HookReceived>(e => e.ServiceId);
        Identity<CardsReturned>(e => e.ServiceId ?? "unknown");
        Identity<FeedbackReceived>(e => e.ServiceId);
    }

    public static void Apply(HookReceived e, ServiceStatistics s)
    {
        s.Hooks++;
        s.LastHookAt = e.ReceivedAt;
    }

    public static void Apply(CardsReturned e, ServiceStatistics s)
    {
        s.Answered++;
        s.LatencyTotalMs += e.LatencyMs;
        s.LatencyMaxMs = Math.Max(s.LatencyMaxMs, e.LatencyMs);
        if (e.DeadlineMissed)
        {
            s.DeadlineMisses++;
        }
        foreach (var card in e.Cards)
        {
            s.CardsByIndicator[card.Indicator] = s.CardsByIndicator.GetValueOrDefault(card.Indicator) + 1;
        }
    }

    public static void Apply(FeedbackReceived e, ServiceStatistics s)
    {
        s.Feedback++;
        if (e.Outcome == FeedbackOutcomes.Overridden)
        {
            s.Overrides++;
        }
    }
}
