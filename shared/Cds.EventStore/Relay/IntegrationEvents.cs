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
    public static IReadOnlyList<Type> RelayedEventTypes { get; } = [typeof(FeedbackReceived)];

    /// <summary>The integration message for <paramref name="e"/>, or null when the event is not relayed.</summary>
    public static object? ToMessage(IEvent e) => e.Data switch
    {
        FeedbackReceived f => new FeedbackRecorded
        {
            // The store's tenant is the truth (conjoined tenancy); the event's own copy is the fallback.
            Tenant = string.IsNullOrEmpty(e.TenantId) || e.TenantId == JasperFx.StorageConstants.DefaultTenantId ? f.Tenant : e.TenantId,
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
        _ => null,
    };

    /// <summary>The tenant a relayed message belongs to.</summary>
    public static string? TenantOf(object message) => message switch
    {
        FeedbackRecorded f => f.Tenant,
        _ => null,
    };
}
