using System.Text.Json;
using System.Text.Json.Nodes;
using Hl7.Fhir.Model;
using Hl7.Fhir.Serialization;

namespace Cds.EpicSandbox;

/// <summary>Firely (System.Text.Json) serialization used across the sandbox.</summary>
public static class FhirJson
{
    public static JsonSerializerOptions Strict { get; } = new JsonSerializerOptions().ForFhir(ModelInfo.ModelInspector);

    public static JsonSerializerOptions Lenient { get; } =
        new JsonSerializerOptions().ForFhir(ModelInfo.ModelInspector).UsingMode(DeserializationMode.Recoverable);

    public static JsonObject ToNode(Resource resource) => JsonSerializer.SerializeToNode(resource, Strict)!.AsObject();

    public static string Serialize(Resource resource) => JsonSerializer.Serialize(resource, Strict);

    /// <summary>Parses a resource; strict mode throws <see cref="DeserializationFailedException"/> on any error.</summary>
    public static Resource Parse(string json, bool lenient = false)
    {
        try
        {
            return JsonSerializer.Deserialize<Resource>(json, lenient ? Lenient : Strict)
                ?? throw new JsonException("Empty resource.");
        }
        catch (DeserializationFailedException e) when (lenient && e.PartialResult is Resource partial)
        {
            return partial;
        }
    }

    public static T Parse<T>(JsonNode node, bool lenient = false) where T : Resource =>
        (T)Parse(node.ToJsonString(), lenient);
}
