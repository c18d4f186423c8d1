using System.Text.Json;
using System.Text.Json.Nodes;
using Hl7.Fhir.Introspection;
using Hl7.Fhir.Model;
using Hl7.Fhir.Serialization;
using Hl7.Fhir.Utility;
using Hl7.Fhir.Validation;

namespace Cds.Hooks.Requests;

/// <summary>
/// Reads one FHIR R4 resource from a JSON element, tolerating what Epic and other real clients send.
/// <para>Rule (documented, tested): the JSON is first normalised along the R4 model — a single object or value where R4
/// says the element repeats (Epic's <c>MedicationRequest.category</c> as an object) is wrapped into an array; a one-item
/// array where R4 has one value is unwrapped (an empty one dropped); a code outside an R4 required value set (or not a
/// string) is dropped, since Firely's typed model cannot hold it and reading the property would throw. Each repair is
/// reported in <see cref="FhirReadResult.ToleratedIssues"/>. The result is read by Firely's strict deserializer and each
/// reported issue is classified:</para>
/// <list type="bullet">
/// <item>tolerated (kept, reported): missing mandatory elements, ids longer than 64 characters or with other characters
/// (Epic ids), unknown elements (other FHIR versions' leftovers, snipped examples), empty arrays/objects, nulls, invalid
/// literal formats (dates);</item>
/// <item>refused (a problem): an unknown resource type (e.g. DSTU2 <c>MedicationOrder</c> — silently dropping an order
/// is unsafe), no <c>resourceType</c>, and JSON of the wrong kind (an object where R4 has a primitive, a string where it has
/// an object, a number for a string or date, several values where R4 allows one, nested arrays).</item>
/// </list>
/// Every accepted resource can be read property by property without exceptions (tests/…/FhirFuzzTests).
/// </summary>
public static partial class FhirResourceReader
{
    private static readonly ModelInspector Inspector = ModelInfo.ModelInspector;

    private static readonly BaseFhirJsonDeserializer Deserializer =
        new(ModelInfo.ModelInspector, new DeserializerSettings().UsingMode(DeserializationMode.Strict));

    private static readonly HashSet<string> FatalCodes = new(StringComparer.Ordinal)
    {
        FhirJsonException.RESOURCETYPE_SHOULD_BE_STRING_CODE,
        FhirJsonException.NO_RESOURCETYPE_PROPERTY_CODE,
        FhirJsonException.NESTED_ARRAY_CODE,
        FhirJsonException.UNEXPECTED_PRIMITIVE_VALUE_FOR_NON_PRIMITIVE_CODE,
        FhirJsonException.UNEXPECTED_OBJECT_VALUE_FOR_PRIMITIVE_CODE,
        FhirJsonException.USE_OF_UNDERSCORE_WITH_NON_PRIMITIVE_CODE,
        FhirJsonException.UNDERSCORE_SHOULD_BE_OBJECT_CODE,
        CodedValidationException.INCORRECT_LITERAL_VALUE_TYPE_CODE,
        CodedValidationException.UNKNOWN_RESOURCE_TYPE_CODE,
        CodedValidationException.PROPERTY_TYPE_MISMATCH_CODE,
        CodedValidationException.INCORRECT_CARDINALITY_MAX_CODE,
        CodedValidationException.WRONG_CASED_RESOURCE_TYPE_CODE,
    };

    /// <summary>Reads <paramref name="json"/> as a resource; <paramref name="path"/> is the JSON path used in problems.</summary>
    public static FhirReadResult Read(JsonElement json, string path)
    {
        if (json.ValueKind != JsonValueKind.Object)
            return FhirReadResult.Failed(new RequestProblem(path, "Expected a FHIR resource (a JSON object).", ProblemCode.Structure));
        if (!json.TryGetProperty("resourceType", out var rt) || rt.ValueKind != JsonValueKind.String || string.IsNullOrEmpty(rt.GetString()))
            return FhirReadResult.Failed(new RequestProblem(JsonPath.Member(path, "resourceType"), "A FHIR resource needs a resourceType string.", ProblemCode.Required));

        var resourceType = rt.GetString()!;
        var mapping = Inspector.FindClassMapping(resourceType);
        if (mapping is null || !mapping.IsResource || mapping.IsAbstract == true)
            return FhirReadResult.Failed(new RequestProblem(JsonPath.Member(path, "resourceType"),
                $"'{Truncate(resourceType)}' is not a FHIR R4 resource type; this service reads FHIR R4 only.", ProblemCode.NotSupported));

        byte[] bytes;
        var structural = new List<RequestProblem>();
        var repaired = new List<RequestProblem>();
        try
        {
            var node = JsonNode.Parse(json.GetRawText(), documentOptions: new JsonDocumentOptions { MaxDepth = 256 })!.AsObject();
            Normalize(node, mapping, path, structural, repaired);
            bytes = JsonSerializer.SerializeToUtf8Bytes(node);
        }
        catch (Exception ex) when (ex is JsonException or InvalidOperationException)
        {
            return FhirReadResult.Failed(new RequestProblem(path, "The resource could not be read as JSON.", ProblemCode.Structure));
        }

        if (structural.Count > 0)
            return new FhirReadResult(null, structural, []);

        Resource? resource;
        IEnumerable<CodedException> issues;
        try
        {
            var reader = new Utf8JsonReader(bytes, new JsonReaderOptions { MaxDepth = 256 });
            Deserializer.TryDeserializeResource(ref reader, out resource, out issues);
        }
        catch (Exception ex) when (ex is JsonException or CodedException or FormatException or InvalidOperationException)
        {
            return FhirReadResult.Failed(new RequestProblem(path, "The resource could not be read as FHIR R4.", ProblemCode.Structure));
        }

        var fatal = new List<RequestProblem>();
        var tolerated = new List<RequestProblem>(repaired);
        foreach (var issue in issues)
        {
            var at = MapPath(path, (issue as ExtendedCodedException)?.InstancePath);
            if (issue.ErrorCode == CodedValidationException.UNKNOWN_RESOURCE_TYPE_CODE)
                at = JsonPath.Member(at, "resourceType");
            else if (issue.ErrorCode == CodedValidationException.PROPERTY_TYPE_MISMATCH_CODE && at.EndsWith(']'))
                at = at[..at.LastIndexOf('[')]; // the element as a whole has the wrong cardinality
            var problem = new RequestProblem(at, Describe(issue), ProblemFor(issue.ErrorCode));
            if (FatalCodes.Contains(issue.ErrorCode))
                fatal.Add(problem);
            else
                tolerated.Add(problem);
        }

        if (resource is null && fatal.Count == 0)
            fatal.Add(new RequestProblem(path, "The resource could not be read as FHIR R4.", ProblemCode.Structure));
        if (fatal.Count > 0)
            return new FhirReadResult(null, Distinct(fatal), tolerated);
        return new FhirReadResult(resource, [], tolerated) { Json = JsonSerializer.Deserialize<JsonElement>(bytes) };
    }

    /// <summary>Reads JSON that <see cref="CleanR4Json"/> found clean (so Firely reports nothing) into its POCO.</summary>
    internal static Resource ReadClean(JsonElement json)
    {
        var reader = new Utf8JsonReader(JsonSerializer.SerializeToUtf8Bytes(json), new JsonReaderOptions { MaxDepth = 256 });
        Deserializer.TryDeserializeResource(ref reader, out var resource, out _);
        return resource ?? throw new InvalidOperationException("A clean resource did not read as FHIR R4.");
    }

    /// <summary>
    /// Wraps single values into arrays where the R4 element repeats, walking the element tree by the R4 class mappings.
    /// Unknown elements are left alone (the deserializer reports them).
    /// </summary>
    internal static void Normalize(JsonObject obj, ClassMapping mapping, string path, List<RequestProblem> problems, List<RequestProblem> repaired)
    {
        foreach (var (name, _) in obj.ToList())
        {
            if (name == "resourceType" || name.Length == 0)
                continue;
            var elementName = name[0] == '_' ? name[1..] : name;
            var property = mapping.FindMappedElementByName(elementName) ?? mapping.FindMappedElementByChoiceName(elementName);
            if (property is null)
                continue;

            var value = obj[name];
            var memberPath = JsonPath.Member(path, name);
            if (property.IsCollection && value is JsonObject or JsonValue)
            {
                obj.Remove(name);
                value = new JsonArray(value);
                obj[name] = value;
            }
            else if (!property.IsCollection && value is JsonArray { Count: <= 1 } single)
            {
                // one value sent as an array (or an empty array): read it as the single value R4 has
                var only = single.Count == 1 ? single[0] : null;
                single.Clear();
                obj.Remove(name);
                if (only is null)
                {
                    repaired.Add(new RequestProblem(memberPath, "An empty array where R4 has a single value: ignored.", ProblemCode.Invalid));
                    continue;
                }
                value = only;
                obj[name] = value;
            }

            if (name[0] == '_')
                continue; // primitive extensions: Element, nothing further to wrap that matters here

            if (EnumCodes(property) is { } codes)
            {
                // A code outside an R4 required value set cannot be held by Firely's typed model (reading the property
                // would throw): drop it, as for any element that may be missing (docs/epic-behaviours.md item 21), and say so.
                if (value is JsonArray codeArray)
                {
                    for (var i = codeArray.Count - 1; i >= 0; i--)
                    {
                        if (codeArray[i] is JsonValue item && !IsKnownCode(item, codes))
                        {
                            codeArray.RemoveAt(i);
                            repaired.Add(new RequestProblem(JsonPath.Index(memberPath, i), "A code outside the element's required value set: ignored.", ProblemCode.Invalid));
                        }
                    }
                    if (codeArray.Count == 0)
                        obj.Remove(name);
                }
                else if (value is JsonValue code && !IsKnownCode(code, codes))
                {
                    obj.Remove(name);
                    repaired.Add(new RequestProblem(memberPath, "A code outside the element's required value set: ignored.", ProblemCode.Invalid));
                }
                continue;
            }

            var itemMapping = ItemMapping(property, elementName);
            var items = value is JsonArray array ? array.ToList() : [value];
            for (var i = 0; i < items.Count; i++)
            {
                if (items[i] is not JsonObject child)
                    continue;
                var childPath = value is JsonArray ? JsonPath.Index(JsonPath.Member(path, name), i) : JsonPath.Member(path, name);
                var childMapping = itemMapping;
                if (property.Choice == ChoiceType.ResourceChoice || childMapping is { IsResource: true })
                {
                    if (child["resourceType"] is JsonValue v && v.TryGetValue<string>(out var t) && t.Length > 0)
                        childMapping = Inspector.FindClassMapping(t);
                    else if (child.Count == 0)
                        continue; // an empty object: the deserializer reports it
                    else
                    {
                        problems.Add(new RequestProblem(JsonPath.Member(childPath, "resourceType"), "A FHIR resource needs a resourceType string.", ProblemCode.Required));
                        continue;
                    }
                }
                if (childMapping is not null && !childMapping.IsPrimitive)
                    Normalize(child, childMapping, childPath, problems, repaired);
            }
        }
    }

    internal static IReadOnlyDictionary<string, EnumMemberMapping>? EnumCodes(PropertyMapping property)
    {
        var type = property.ImplementingType;
        if (type is not { IsGenericType: true } || type.GetGenericTypeDefinition() != typeof(Code<>))
            return null;
        return Inspector.FindEnumMapping(type.GetGenericArguments()[0])?.Members;
    }

    private static bool IsKnownCode(JsonValue value, IReadOnlyDictionary<string, EnumMemberMapping> codes) =>
        value.TryGetValue<string>(out var code) && codes.ContainsKey(code);

    internal static ClassMapping? ItemMapping(PropertyMapping property, string jsonName)
    {
        if (property.Choice == ChoiceType.DatatypeChoice)
        {
            var suffix = jsonName.Length > property.Name.Length ? jsonName[property.Name.Length..] : "";
            return property.FhirTypeMappings.FirstOrDefault(m => string.Equals(m.Name, suffix, StringComparison.OrdinalIgnoreCase));
        }
        return property.PropertyTypeMapping;
    }

    private static string MapPath(string prefix, string? instancePath)
    {
        if (string.IsNullOrEmpty(instancePath))
            return prefix;
        var dot = instancePath.IndexOf('.', StringComparison.Ordinal);
        var first = dot < 0 ? instancePath : instancePath[..dot];
        var bracket = first.IndexOf('[', StringComparison.Ordinal);
        var rest = dot < 0 ? (bracket >= 0 ? first[bracket..] : "") : instancePath[(dot + 1)..];
        if (rest.Length == 0)
            return prefix;
        return rest.StartsWith('[') ? prefix + rest : prefix + "." + rest;
    }

    private static ProblemCode ProblemFor(string code) =>
        code == CodedValidationException.UNKNOWN_RESOURCE_TYPE_CODE ? ProblemCode.NotSupported
        : code == CodedValidationException.MANDATORY_ELEMENT_MUST_BE_PRESENT_CODE || code == FhirJsonException.NO_RESOURCETYPE_PROPERTY_CODE ? ProblemCode.Required
        : code.StartsWith("JSON", StringComparison.Ordinal) ? ProblemCode.Structure
        : ProblemCode.Invalid;

    /// <summary>Firely's messages quote values (possibly PHI): keep only the base message, without the literal.</summary>
    private static string Describe(CodedException issue)
    {
        var text = issue is ExtendedCodedException e && !string.IsNullOrEmpty(e.BaseErrorMessage) ? e.BaseErrorMessage : issue.Message;
        if (issue.ErrorCode is CodedValidationException.LITERAL_INVALID_CODE or CodedValidationException.INVALID_CODED_VALUE_CODE
            or CodedValidationException.INCORRECT_LITERAL_VALUE_TYPE_CODE)
            text = issue.ErrorCode switch
            {
                CodedValidationException.LITERAL_INVALID_CODE => "The value is not a valid literal for its FHIR type.",
                CodedValidationException.INVALID_CODED_VALUE_CODE => "The code is not in the element's required value set.",
                _ => "The JSON value has the wrong type for this FHIR element.",
            };
        if (issue.ErrorCode == CodedValidationException.UNKNOWN_RESOURCE_TYPE_CODE)
            text += " This service reads FHIR R4 only (DSTU2/STU3-only resource types are not accepted).";
        return $"FHIR R4: {QuotedInput().Replace(text, m => SafeName().IsMatch(m.Groups[1].Value) ? m.Value : "'…'")} [{issue.ErrorCode}]";
    }

    private static List<RequestProblem> Distinct(List<RequestProblem> problems) =>
        problems.DistinctBy(p => (p.Path, p.Message)).ToList();

    /// <summary>Echo a name from the input only when it looks like a FHIR name (no free text, no PHI).</summary>
    private static string Truncate(string s) => SafeName().IsMatch(s) ? s : "…";

    [System.Text.RegularExpressions.GeneratedRegex("'([^']*)'")]
    private static partial System.Text.RegularExpressions.Regex QuotedInput();

    [System.Text.RegularExpressions.GeneratedRegex(@"^[A-Za-z][A-Za-z0-9_.\-\[\]]{0,63}$")]
    private static partial System.Text.RegularExpressions.Regex SafeName();
}
