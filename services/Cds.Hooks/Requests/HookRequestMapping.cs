using Cds.Contracts;

namespace Cds.Hooks.Requests;

/// <summary>From a validated request to the bus message.</summary>
public static class HookRequestMapping
{
    /// <summary>
    /// The <see cref="EvaluateHook"/> message for a validated request: ids and draft medications only — no token, no names.
    /// <paramref name="context"/> (what prefetch and the warm cache know) is the caller's to build.
    /// </summary>
    public static EvaluateHook ToEvaluateHook(this HookRequest request, string tenant, string serviceId, DateTimeOffset requestedAt,
        DateTimeOffset deadline, PatientContext? context = null)
    {
        ArgumentNullException.ThrowIfNull(request);
        return new EvaluateHook
        {
            Tenant = tenant,
            HookInstance = request.HookInstance,
            Hook = request.Hook,
            ServiceId = serviceId,
            PatientId = request.ContextData.PatientId,
            EncounterId = request.ContextData.EncounterId,
            UserId = request.ContextData.UserId,
            Context = context,
            DraftMedications = request.ContextData.DraftOrders?.Medications ?? [],
            RequestedAt = requestedAt,
            Deadline = deadline,
        };
    }
}
