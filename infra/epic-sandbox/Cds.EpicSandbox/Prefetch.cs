using System.Text.Json.Nodes;
using Hl7.Fhir.Model;

namespace Cds.EpicSandbox;

/// <summary>Prefetch as an Epic analyst would configure it, built from the sandbox data with Epic's quirks:
/// the `-user` key, 4101 OperationOutcome-only bundles for empty searches, `MedicationRequest.category` as a single object,
/// absolute references.</summary>
public static class Prefetch
{
    /// <summary>The keys the driver sends by default.</summary>
    public static IReadOnlyList<string> DefaultKeys { get; } = ["patient", "-user", "conditions", "medications", "allergies", "labs"];

    public static JsonObject Build(EpicSandboxServer server, string patientId, string? userId, IReadOnlyList<string>? keys = null)
    {
        keys ??= DefaultKeys;
        var prefetch = new JsonObject();
        foreach (var key in keys)
        {
            JsonNode? value = key switch
            {
                "patient" => server.Store.Get("Patient", patientId) is { } p ? FhirJson.ToNode(p) : null,
                "-user" or "user" => UserResource(server, userId),
                "conditions" => server.Fhir.Searches.SearchBundle("Condition", [new("patient", patientId), new("category", "problem-list-item")]),
                "medications" => SingleObjectCategory(server.Fhir.Searches.SearchBundle("MedicationRequest", [new("patient", patientId), new("status", "active")])),
                "allergies" => server.Fhir.Searches.SearchBundle("AllergyIntolerance", [new("patient", patientId), new("clinical-status", "active")]),
                "labs" => server.Fhir.Searches.SearchBundle("Observation", [new("patient", patientId), new("category", "laboratory")]),
                "a1c" => server.Fhir.Searches.SearchBundle("Observation", [new("patient", patientId), new("code", "http://loinc.org|4548-4")]),
                "egfr" => server.Fhir.Searches.SearchBundle("Observation", [new("patient", patientId), new("code", "http://loinc.org|62238-1,http://loinc.org|33914-3")]),
                _ => throw new ArgumentException($"Unknown prefetch key '{key}'. Known: {string.Join(", ", DefaultKeys.Append("a1c").Append("egfr"))}."),
            };
            if (value is not null)
            {
                prefetch[key] = Absolutize(value, server.FhirBaseUrl.ToString());
            }
        }

        return prefetch;
    }

    /// <summary>The patient's most recent Encounter id, if any (Epic sends encounterId only inside an encounter).</summary>
    public static string? LatestEncounterId(EpicSandboxServer server, string patientId) =>
        server.Store.OfType("Encounter").OfType<Encounter>()
            .Where(e => ResourceFields.PatientIdOf(e) == patientId)
            .OrderByDescending(e => e.Period?.Start, StringComparer.Ordinal)
            .FirstOrDefault()?.Id;

    private static JsonNode? UserResource(EpicSandboxServer server, string? userId)
    {
        var parts = (userId ?? "PractitionerRole/" + SandboxPatients.PractitionerRoleId).Split('/');
        return parts.Length == 2 && server.Store.Get(parts[0], parts[1]) is { } r ? FhirJson.ToNode(r) : null;
    }

    /// <summary>Epic's prefetch shows MedicationRequest.category as one object, not an array.</summary>
    internal static JsonObject SingleObjectCategory(JsonObject bundle)
    {
        foreach (var entry in bundle["entry"]?.AsArray() ?? [])
        {
            if (entry?["resource"] is JsonObject res && (string?)res["resourceType"] == "MedicationRequest" && res["category"] is JsonArray { Count: > 0 } arr)
            {
                res["category"] = arr[0]!.DeepClone();
            }
        }

        return bundle;
    }

    /// <summary>Relative references ("Patient/x") become absolute on the FHIR base, as in Epic's prefetch.</summary>
    internal static JsonNode Absolutize(JsonNode node, string fhirBase)
    {
        switch (node)
        {
            case JsonObject o:
                foreach (var kv in o.ToList())
                {
                    if (kv.Key == "reference" && kv.Value is JsonValue v && v.TryGetValue<string>(out var s)
                        && !s.Contains("://", StringComparison.Ordinal) && !s.StartsWith('#') && !s.StartsWith("urn:", StringComparison.Ordinal) && s.Contains('/'))
                    {
                        o["reference"] = fhirBase + s;
                    }
                    else if (kv.Value is not null)
                    {
                        Absolutize(kv.Value, fhirBase);
                    }
                }

                break;
            case JsonArray a:
                foreach (var item in a)
                {
                    if (item is not null)
                    {
                        Absolutize(item, fhirBase);
                    }
                }

                break;
        }

        return node;
    }
}
