using System.Text.Json;
using System.Text.Json.Serialization;

namespace Cds.Contracts;

/// <summary>A CDS Hooks 2.0 card as Epic shows it (docs/epic-behaviours.md items 9–14). Serialized without nulls.</summary>
public sealed record Card
{
    public required string Uuid { get; init; }
    /// <summary>Under 140 characters.</summary>
    public required string Summary { get; init; }
    /// <summary><see cref="Indicators"/>: info, warning or critical.</summary>
    public required string Indicator { get; init; }
    public required CardSource Source { get; init; }
    public string? Detail { get; init; }
    public IReadOnlyList<Suggestion>? Suggestions { get; init; }
    /// <summary>Epic accepts only "any"; set whenever there are suggestions.</summary>
    public string? SelectionBehavior { get; init; }
    public IReadOnlyList<OverrideReason>? OverrideReasons { get; init; }
    public IReadOnlyList<Link>? Links { get; init; }
    /// <summary>e.g. <c>com.epic.cdshooks.card.detail.content-type</c> when detail is not markdown.</summary>
    public IReadOnlyDictionary<string, string>? Extension { get; init; }
}

public static class Indicators
{
    public const string Info = "info";
    public const string Warning = "warning";
    public const string Critical = "critical";

    public static int Rank(string indicator) => indicator switch { Critical => 3, Warning => 2, Info => 1, _ => 0 };
}

public sealed record CardSource
{
    public required string Label { get; init; }
    public string? Url { get; init; }
    public string? Icon { get; init; }
    /// <summary>Stable per kind of advice (alphanumeric, ≤ 100): Epic remembers overrides by it.</summary>
    public Coding? Topic { get; init; }
}

public sealed record Coding
{
    public string? System { get; init; }
    public required string Code { get; init; }
    public string? Display { get; init; }
}

/// <summary>
/// A reason the user may pick when overriding a card: a CDS Hooks 2.0 Coding whose system and code are required
/// (spec "Coding", requirements 216–217) and whose display the service MUST populate (requirements 100, 136, 219).
/// </summary>
public sealed record OverrideReason
{
    public required string Code { get; init; }
    public required string System { get; init; }
    public required string Display { get; init; }
}

public sealed record Link
{
    public required string Label { get; init; }
    public required string Url { get; init; }
    /// <summary>"absolute" or "smart".</summary>
    public required string Type { get; init; }
    /// <summary>Only for <c>smart</c> links: not valid on absolute links (requirements 146–147).</summary>
    public string? AppContext { get; init; }
    /// <summary>CDS Hooks 2.0 hint that the client may launch the link at once.</summary>
    public bool? Autolaunchable { get; init; }
}

public sealed record Suggestion
{
    public required string Label { get; init; }
    public required string Uuid { get; init; }
    public bool? IsRecommended { get; init; }
    /// <summary>Epic takes one action per suggestion.</summary>
    public IReadOnlyList<CardAction>? Actions { get; init; }
}

public sealed record CardAction
{
    /// <summary>create, update or delete.</summary>
    public required string Type { get; init; }
    public required string Description { get; init; }
    /// <summary>The FHIR resource for create/update, as JSON.</summary>
    public JsonElement? Resource { get; init; }
    /// <summary>
    /// For delete: one relative reference such as <c>MedicationRequest/123</c> — a string, not a list (CDS Hooks 2.0
    /// "Action", requirement 135). One delete action removes one resource.
    /// </summary>
    [JsonConverter(typeof(ResourceIdConverter))]
    public string? ResourceId { get; init; }
}

/// <summary>
/// Writes <see cref="CardAction.ResourceId"/> as the string the spec requires. Reads that string, and also the
/// one-element array that builds before the fix wrote, so cards already in the event store still load.
/// </summary>
public sealed class ResourceIdConverter : JsonConverter<string?>
{
    public override string? Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options)
    {
        switch (reader.TokenType)
        {
            case JsonTokenType.Null:
                return null;
            case JsonTokenType.String:
                return reader.GetString();
            case JsonTokenType.StartArray:
                string? single = null;
                var count = 0;
                while (reader.Read() && reader.TokenType != JsonTokenType.EndArray)
                {
                    if (reader.TokenType != JsonTokenType.String || ++count > 1)
                    {
                        throw new JsonException("resourceId: a legacy array must hold exactly one relative reference");
                    }

                    single = reader.GetString();
                }

                return single ?? throw new JsonException("resourceId: a legacy array must hold exactly one relative reference");
            default:
                throw new JsonException($"resourceId must be a string, not {reader.TokenType}");
        }
    }

    public override void Write(Utf8JsonWriter writer, string? value, JsonSerializerOptions options)
    {
        ArgumentNullException.ThrowIfNull(writer);
        if (value is null)
        {
            writer.WriteNullValue();
        }
        else
        {
            writer.WriteStringValue(value);
        }
    }
}

/// <summary>JSON options for everything the platform writes in CDS Hooks shape: camelCase, no nulls.</summary>
public static class CdsJson
{
    public static readonly JsonSerializerOptions Options = Create();

    private static JsonSerializerOptions Create()
    {
        var options = new JsonSerializerOptions(JsonSerializerDefaults.Web)
        {
            DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
        };
        options.MakeReadOnly(populateMissingResolver: true);
        return options;
    }
}
