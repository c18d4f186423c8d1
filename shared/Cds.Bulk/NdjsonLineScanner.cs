using System.Text.Json;

namespace Cds.Bulk;

/// <summary>Reads what the importer keys a line by from its top level, without deserializing the resource.</summary>
internal static class NdjsonLineScanner
{
    /// <summary>resourceType, id and the patient a resource belongs to (itself, <c>subject</c> or <c>patient</c>), from the line's top level.</summary>
    public static bool Describe(byte[] line, out string type, out string id, out string? patient)
    {
        type = id = "";
        patient = null;
        string? subject = null;
        var reader = new Utf8JsonReader(line);
        try
        {
            if (!reader.Read() || reader.TokenType != JsonTokenType.StartObject)
            {
                return false;
            }

            while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
            {
                if (reader.CurrentDepth != 1)
                {
                    reader.Skip();
                    continue;
                }

                var name = reader.ValueSpan;
                if (name.SequenceEqual("resourceType"u8) && reader.Read() && reader.TokenType == JsonTokenType.String)
                {
                    type = reader.GetString()!;
                }
                else if (name.SequenceEqual("id"u8) && reader.Read() && reader.TokenType == JsonTokenType.String)
                {
                    id = reader.GetString()!;
                }
                else if ((name.SequenceEqual("subject"u8) || name.SequenceEqual("patient"u8)) && reader.Read() && reader.TokenType == JsonTokenType.StartObject)
                {
                    subject ??= ReferenceOf(ref reader);
                }
                else
                {
                    reader.Read();
                    reader.Skip();
                }
            }
        }
        catch (JsonException)
        {
            return false;
        }

        if (type.Length == 0 || id.Length == 0)
        {
            return false;
        }

        patient = type == "Patient" ? id : subject is not null && subject.StartsWith("Patient/", StringComparison.Ordinal) ? subject["Patient/".Length..] : null;
        return true;
    }

    private static string? ReferenceOf(ref Utf8JsonReader reader)
    {
        string? reference = null;
        var depth = reader.CurrentDepth;
        while (reader.Read() && !(reader.TokenType == JsonTokenType.EndObject && reader.CurrentDepth == depth))
        {
            if (reader.TokenType == JsonTokenType.PropertyName && reader.CurrentDepth == depth + 1 && reader.ValueSpan.SequenceEqual("reference"u8))
            {
                reader.Read();
                reference = reader.TokenType == JsonTokenType.String ? reader.GetString() : null;
            }
            else if (reader.TokenType is JsonTokenType.StartObject or JsonTokenType.StartArray)
            {
                reader.Skip();
            }
        }

        return reference;
    }
}
