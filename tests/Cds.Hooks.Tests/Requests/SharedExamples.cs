using System.Text;
using System.Text.Json.Nodes;
using Cds.Hooks.Requests;
using Cds.Testing;

namespace Cds.Hooks.Tests.Requests;

/// <summary>The repository's reference material under tests/data (<c>cds-hooks/examples</c>, <c>cds-hooks-captured</c>, ...) and request bodies built for tests.</summary>
internal static class SharedExamples
{
    /// <summary>tests/data of this repository (found from the test's output folder, never outside the clone).</summary>
    public static string DataRoot { get; } = RepoSources.TestData();

    public static string ExamplesDir => Path.Combine(DataRoot, "cds-hooks", "examples");

    /// <summary>Requests captured from other CDS clients (Inferno CRD fixtures, the CDS Hooks Sandbox).</summary>
    public static string DataDir => Path.Combine(DataRoot, "cds-hooks-captured");

    /// <summary>A file under tests/data, by path relative to it (e.g. <c>cds-hooks/examples/x.json</c>).</summary>
    public static string Read(string relativePath) => File.ReadAllText(Path.Combine(DataRoot, relativePath));

    public static byte[] Bytes(string json) => Encoding.UTF8.GetBytes(json);

    public const string HookInstance = "3f6b5f0e-2b7a-4a3c-9d9f-1c2e3a4b5c6d";
    public const string FhirServer = "https://ehr.example.org/fhir/R4";

    /// <summary>A minimal valid envelope for <paramref name="hook"/> around a context object (and optional prefetch/authorization).</summary>
    public static JsonObject Envelope(string hook, JsonNode? context, JsonNode? prefetch = null, JsonNode? fhirAuthorization = null)
    {
        var body = new JsonObject
        {
            ["hook"] = hook,
            ["hookInstance"] = HookInstance,
            ["fhirServer"] = FhirServer,
            ["context"] = context,
        };
        if (prefetch is not null)
            body["prefetch"] = prefetch;
        if (fhirAuthorization is not null)
            body["fhirAuthorization"] = fhirAuthorization;
        return body;
    }

    /// <summary>A valid patient-view context.</summary>
    public static JsonObject PatientViewContext() => new()
    {
        ["patientId"] = "eXoGxqgBaJuNkuahMYmiDhg3",
        ["userId"] = "PractitionerRole/e-QokEGUJIzyynNdkCFrs9w3",
    };

    public static HookReadResult ReadRequest(JsonNode body, string hook, HookRequestReaderOptions? options = null) =>
        HookRequestReader.Read(Bytes(body.ToJsonString()), hook, options);

    public static HookReadResult ReadRequest(string body, string hook, HookRequestReaderOptions? options = null) =>
        HookRequestReader.Read(Bytes(body), hook, options);

    /// <summary>A draft MedicationRequest with a coded medication.</summary>
    public static JsonObject MedicationRequest(string id, string rxnorm = "617993", string text = "Amoxicillin 120 MG/ML") => new()
    {
        ["resourceType"] = "MedicationRequest",
        ["id"] = id,
        ["status"] = "draft",
        ["intent"] = "order",
        ["medicationCodeableConcept"] = new JsonObject
        {
            ["coding"] = new JsonArray(new JsonObject { ["system"] = "http://www.nlm.nih.gov/research/umls/rxnorm", ["code"] = rxnorm }),
            ["text"] = text,
        },
        ["subject"] = new JsonObject { ["reference"] = "Patient/1288992" },
    };

    public static JsonObject Bundle(params JsonNode[] resources)
    {
        var entries = new JsonArray();
        foreach (var r in resources)
            entries.Add(new JsonObject { ["resource"] = r });
        return new JsonObject { ["resourceType"] = "Bundle", ["type"] = "collection", ["entry"] = entries };
    }

    /// <summary>A valid order-sign context with the given draftOrders.</summary>
    public static JsonObject OrderContext(JsonNode draftOrders, params string[] selections)
    {
        var context = PatientViewContext();
        context["draftOrders"] = draftOrders;
        if (selections.Length > 0)
            context["selections"] = new JsonArray(selections.Select(s => (JsonNode)JsonValue.Create(s)).ToArray());
        return context;
    }
}
