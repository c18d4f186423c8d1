using System.Text.Json;

namespace Cds.Hooks.Requests;

/// <summary>A feedback item's members as sent (null = absent), for validation.</summary>
public sealed record RawFeedbackItem(string Path, JsonElement Item)
{
    public JsonElement? Card => RawHookRequest.Get(Item, "card");
    public JsonElement? Outcome => RawHookRequest.Get(Item, "outcome");
    public JsonElement? OutcomeTimestamp => RawHookRequest.Get(Item, "outcomeTimestamp");
    public JsonElement? AcceptedSuggestions => RawHookRequest.Get(Item, "acceptedSuggestions");
    public JsonElement? OverrideReason => RawHookRequest.Get(Item, "overrideReason") ?? RawHookRequest.Get(Item, "overrideReasons");
    public string OverrideReasonName => RawHookRequest.Get(Item, "overrideReason") is not null ? "overrideReason" : "overrideReasons";
}
