using System.Text.Json;
using System.Text.Json.Serialization;

namespace Cds.Contracts;

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
