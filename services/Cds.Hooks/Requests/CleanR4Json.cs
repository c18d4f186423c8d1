using System.Text.Json;
using Hl7.Fhir.Introspection;
using Hl7.Fhir.Model;

namespace Cds.Hooks.Requests;

/// <summary>
/// A conservative check that a resource's JSON is already plain FHIR R4 as Firely's strict deserializer wants it, so
/// reading it with Firely would report nothing and repair nothing (<see cref="FhirResourceReader"/>): every member is an
/// element of the R4 model, arrays exactly where R4 repeats, mandatory elements present, codes of required bindings known,
/// literals valid by Firely's own patterns (<c>Date.IsValidValue</c>, <c>Id.IsValidValue</c>, …). It walks the JSON
/// against Firely's class mappings without building objects, at a few times the cost of <see cref="JsonDocument"/>.
/// <para>Anything it is unsure of (primitive extensions <c>_x</c>, xhtml narrative, base64, nulls, empty arrays, unknown
/// elements, Epic's single objects where R4 repeats) is "not clean": the caller then reads the resource with Firely, so
/// problems and tolerated issues are always Firely's (tests/…/PrefetchFastPathTests compares both on every fuzzed input).</para>
/// </summary>
public static class CleanR4Json
{
    private static readonly ModelInspector Inspector = ModelInfo.ModelInspector;

    /// <summary>Whether <paramref name="resource"/> is clean. With <paramref name="skipEntryResources"/> a Bundle's
    /// <c>entry[].resource</c> members are not looked at (the caller checks each entry by itself).</summary>
    public static bool IsClean(JsonElement resource, bool skipEntryResources = false) =>
        ResourceMapping(resource) is { } mapping && Object(resource, mapping, isResource: true, skipEntryResources);

    /// <summary>The R4 class mapping of a JSON resource (by its <c>resourceType</c>), or null.</summary>
    public static ClassMapping? ResourceMapping(JsonElement resource)
    {
        if (resource.ValueKind != JsonValueKind.Object || !resource.TryGetProperty("resourceType", out var rt) || rt.ValueKind != JsonValueKind.String)
            return null;
        var mapping = Inspector.FindClassMapping(rt.GetString()!);
        return mapping is { IsResource: true, IsAbstract: not true } ? mapping : null;
    }

    private static bool Object(JsonElement obj, ClassMapping mapping, bool isResource, bool skipEntryResources)
    {
        var any = false;
        HashSet<string>? choices = null;
        foreach (var member in obj.EnumerateObject())
        {
            var name = member.Name;
            if (name == "resourceType")
            {
                if (!isResource || member.Value.GetString() != mapping.Name)
                    return false;
                continue;
            }
            if (name.Length == 0 || name[0] == '_')
                return false;
            var property = mapping.FindMappedElementByName(name) ?? mapping.FindMappedElementByChoiceName(name);
            if (property is null)
                return false;
            any = true;
            if (property.Choice == ChoiceType.DatatypeChoice && !(choices ??= new(StringComparer.Ordinal)).Add(property.Name))
                return false; // two variants of one choice element (valueQuantity and valueString)
            if (skipEntryResources && property.Name == "resource" && mapping.NativeType == typeof(Bundle.EntryComponent))
                continue;
            if (!Member(member.Value, property, name, skipEntryResources))
                return false;
        }
        foreach (var mandatory in mapping.PropertyMappings)
        {
            if (mandatory.IsMandatoryElement && !HasElement(obj, mandatory))
                return false;
        }
        return any;
    }

    private static bool HasElement(JsonElement obj, PropertyMapping property)
    {
        if (property.Choice != ChoiceType.DatatypeChoice)
            return obj.TryGetProperty(property.Name, out _);
        foreach (var member in obj.EnumerateObject())
        {
            if (member.Name.StartsWith(property.Name, StringComparison.Ordinal) && member.Name.Length > property.Name.Length)
                return true;
        }
        return false;
    }

    private static bool Member(JsonElement value, PropertyMapping property, string jsonName, bool skipEntryResources)
    {
        if (property.IsCollection)
        {
            if (value.ValueKind != JsonValueKind.Array || value.GetArrayLength() == 0)
                return false;
            foreach (var item in value.EnumerateArray())
            {
                if (!Item(item, property, jsonName, skipEntryResources))
                    return false;
            }
            return true;
        }
        return value.ValueKind != JsonValueKind.Array && Item(value, property, jsonName, skipEntryResources);
    }

    private static bool Item(JsonElement value, PropertyMapping property, string jsonName, bool skipEntryResources)
    {
        if (property.Choice == ChoiceType.ResourceChoice)
            return value.ValueKind == JsonValueKind.Object && IsClean(value);

        if (FhirResourceReader.EnumCodes(property) is { } codes)
            return value.ValueKind == JsonValueKind.String && codes.ContainsKey(value.GetString()!) && Code.IsValidValue(value.GetString()!);

        var itemMapping = FhirResourceReader.ItemMapping(property, jsonName);
        if (itemMapping is null)
            return property.ImplementingType == typeof(string) && value.ValueKind == JsonValueKind.String
                && IsFhirString(value.GetString()!); // Element.id, Extension.url
        if (itemMapping.IsResource)
            return value.ValueKind == JsonValueKind.Object && IsClean(value);
        if (itemMapping.IsFhirPrimitive)
            return Primitive(value, itemMapping.Name);
        return value.ValueKind == JsonValueKind.Object && Object(value, itemMapping, isResource: false, skipEntryResources);
    }

    /// <summary>R4's string pattern <c>[ \r\n\t\S]+</c> (what <see cref="FhirString.IsValidValue"/> matches), without a regex:
    /// strings are most of a resource's values.</summary>
    private static bool IsFhirString(string text)
    {
        if (text.Length == 0)
            return false;
        foreach (var c in text)
        {
            if (char.IsWhiteSpace(c) && c is not (' ' or '\r' or '\n' or '\t'))
                return false;
        }
        return true;
    }

    /// <summary>A primitive's JSON value: the JSON kind Firely reads it from, and Firely's pattern for the type.</summary>
    private static bool Primitive(JsonElement value, string fhirType)
    {
        switch (fhirType)
        {
            case "boolean":
                return value.ValueKind is JsonValueKind.True or JsonValueKind.False;
            case "integer":
                return value.ValueKind == JsonValueKind.Number && value.TryGetInt32(out _);
            case "positiveInt":
                return value.ValueKind == JsonValueKind.Number && value.TryGetInt32(out var positive) && positive > 0;
            case "unsignedInt":
                return value.ValueKind == JsonValueKind.Number && value.TryGetInt32(out var unsigned) && unsigned >= 0;
            case "decimal":
                return value.ValueKind == JsonValueKind.Number && value.TryGetDecimal(out _);
        }
        if (value.ValueKind != JsonValueKind.String)
            return false;
        var text = value.GetString()!;
        return fhirType switch
        {
            "string" => IsFhirString(text),
            "code" => Code.IsValidValue(text),
            "id" => Id.IsValidValue(text),
            "markdown" => Markdown.IsValidValue(text),
            "uri" => FhirUri.IsValidValue(text),
            "url" => FhirUrl.IsValidValue(text),
            "canonical" => Canonical.IsValidValue(text),
            "oid" => Oid.IsValidValue(text),
            "uuid" => Uuid.IsValidValue(text),
            "date" => Date.IsValidValue(text),
            "dateTime" => FhirDateTime.IsValidValue(text),
            "instant" => Instant.IsValidValue(text),
            "time" => Time.IsValidValue(text),
            _ => false, // xhtml, base64Binary and anything else: Firely decides
        };
    }
}
