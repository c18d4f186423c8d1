using System.Text.Json;

namespace Cds.Hooks.Requests;

/// <summary>The context members of the served hooks as sent (null = absent).</summary>
public sealed record RawHookContext(
    JsonElement? PatientId,
    JsonElement? UserId,
    JsonElement? EncounterId,
    JsonElement? Selections,
    JsonElement? DraftOrders)
{
    public static RawHookContext From(JsonElement context) => new(
        RawHookRequest.Get(context, "patientId"), RawHookRequest.Get(context, "userId"), RawHookRequest.Get(context, "encounterId"),
        RawHookRequest.Get(context, "selections"), RawHookRequest.Get(context, "draftOrders"));
}
