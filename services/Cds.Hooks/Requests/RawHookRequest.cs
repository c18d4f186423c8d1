using System.Text.Json;

namespace Cds.Hooks.Requests;

/// <summary>The top-level members of a request body as sent (null = absent). What the envelope validator checks.</summary>
public sealed record RawHookRequest(
    JsonElement? Hook,
    JsonElement? HookInstance,
    JsonElement? FhirServer,
    JsonElement? FhirAuthorization,
    JsonElement? Context,
    JsonElement? Prefetch,
    JsonElement? Extension)
{
    public static RawHookRequest From(JsonElement root) => new(
        Get(root, "hook"), Get(root, "hookInstance"), Get(root, "fhirServer"), Get(root, "fhirAuthorization"),
        Get(root, "context"), Get(root, "prefetch"), Get(root, "extension"));

    internal static JsonElement? Get(JsonElement obj, string name) =>
        obj.ValueKind == JsonValueKind.Object && obj.TryGetProperty(name, out var value) ? value : null;
}
