using Cds.Contracts;
using JasperFx.Events;

namespace Cds.EventStore.Relay;

/// <summary>
/// The events that must not be lost and the integration message each becomes on the bus. The relay publishes exactly
/// these (and nothing else) with MessageId = the Marten event id and the tenant in the message.
/// </summary>
public static class IntegrationEvents
{
    /// <summary>Event types the relay subscribes to.</summary>
    public static IReadOnlyList<Type> RelayedEventTypes { get; } = [typeof(FeedbackReceived), typeof(HookReceived)];

    /// <summary>The integration message for <paramref name="e"/>, or null when the event is not relayed.</summary>
    public static object? ToMessage(IEvent e) => e.Data switch
    {
        FeedbackReceived f => new FeedbackRecorded
        {
            Tenant = TenantOf(e, f.Tenant),
            HookInstance = e.StreamKey ?? f.HookInstance,
            ServiceId = f.ServiceId,
            CardUuid = f.CardUuid,
            Outcome = f.Outcome,
            AcceptedSuggestions = f.AcceptedSuggestions,
            OverrideReasons = f.OverrideReasons,
            UserComment = f.UserComment,
            OutcomeTimestamp = f.OutcomeTimestamp,
            IdempotencyKey = f.IdempotencyKey,
            PatientId = f.PatientId,
            TopicCode = f.TopicCode,
            Indicator = f.Indicator,
            EventId = e.Id,
        },
        // A patient-view: enrichment precomputes the order-time context (other hooks are not relayed).
        HookReceived { Hook: HookNames.PatientView } h => new PatientChartOpened
        {
            Tenant = TenantOf(e, h.Tenant),
            HookInstance = h.HookInstance,
            PatientId = h.PatientId,
            ReceivedAt = h.ReceivedAt,
            EventId = e.Id,
        },
        _ => null,
    };

    /// <summary>The store's tenant is the truth (conjoined tenancy); the event's own copy is the fallback.</summary>
    private static string TenantOf(IEvent e, string recorded) =>
        string.IsNullOrEmpty(e.TenantId) || e.TenantId == JasperFx.StorageConstants.DefaultTenantId ? recorded : e.TenantId;

    /// <summary>The tenant a relayed message belongs to.</summary>
    public static string? TenantOf(object message) => message switch
    {
        FeedbackRecorded f => f.Tenant,
        PatientChartOpened p => p.Tenant,
        _ => null,
    };
}
