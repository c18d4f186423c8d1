using System.Text.Json.Nodes;
using Cds.Contracts;
using Cds.Hooks.Requests;

namespace Cds.Hooks.Tests.Requests;

/// <summary>Every member of real draftOrders and prefetch replaced by every JSON kind: problems or acceptance, never a fault.</summary>
public sealed class FhirFuzzTests
{
    internal static readonly Func<JsonNode?>[] Replacements =
    [
        () => null,
        () => JsonValue.Create(0),
        () => JsonValue.Create(1e300),
        () => JsonNode.Parse("123456789012345678901234567890123456789"),
        () => JsonValue.Create(""),
        () => JsonValue.Create("x"),
        () => JsonValue.Create(true),
        () => new JsonArray(),
        () => new JsonObject(),
        () => new JsonArray(new JsonArray(1)),
        () => new JsonObject { ["resourceType"] = "Patient" },
    ];

    internal static IEnumerable<(JsonObject Parent, string Key)> Members(JsonNode node)
    {
        if (node is JsonObject obj)
        {
            foreach (var (key, value) in obj.ToList())
            {
                yield return (obj, key);
                if (value is not null)
                    foreach (var inner in Members(value))
                        yield return inner;
            }
        }
        else if (node is JsonArray array)
        {
            foreach (var item in array.ToList())
                if (item is not null)
                    foreach (var inner in Members(item))
                        yield return inner;
        }
    }

    private static void Fuzz(JsonNode original, string hook, Func<JsonNode, JsonNode> target, int maxMembers)
    {
        var count = Members(target(original.DeepClone())).Count();
        var readCount = 0;
        for (var m = 0; m < Math.Min(count, maxMembers); m++)
        {
            foreach (var replacement in Replacements)
            {
                var body = original.DeepClone();
                var (parent, key) = Members(target(body)).ElementAt(m);
                parent[key] = replacement();
                var result = SharedExamples.ReadRequest(body, hook);
                Assert.True(result.ReaderFault is null, $"member {m} '{key}': {result.ReaderFault}");
                Assert.True(result.Succeeded || result.Problems.Count > 0);
                if (result.Succeeded)
                    TouchAll(result.Request!, $"member {m} '{key}' = {replacement()?.ToJsonString() ?? "null"}");
                readCount++;
            }
        }
        Assert.True(readCount > 100);
    }

    /// <summary>Reads every property of every accepted resource: what the reader accepts must be readable by its users.</summary>
    internal static void TouchAll(HookRequest request, string what)
    {
        var resources = request.Prefetch.Items.SelectMany(i => i.Resources.Concat<Hl7.Fhir.Model.Base>(i.Outcomes)).ToList();
        if (request.ContextData.DraftOrders is { } drafts)
            resources.Add(drafts.Bundle);
        foreach (var resource in resources)
        {
            try
            {
                Touch(resource, 0);
            }
            catch (System.Reflection.TargetInvocationException ex)
            {
                Assert.Fail($"{what}: reading {resource.TypeName} threw {ex.InnerException?.GetType().Name}: {ex.InnerException?.Message}");
            }
        }
    }

    private static void Touch(object value, int depth)
    {
        if (depth > 60)
            return;
        switch (value)
        {
            case Hl7.Fhir.Model.Base element:
                foreach (var property in element.GetType().GetProperties(System.Reflection.BindingFlags.Public | System.Reflection.BindingFlags.Instance))
                {
                    if (property.GetIndexParameters().Length > 0 || property.DeclaringType?.Namespace?.StartsWith("Hl7.Fhir.Model", StringComparison.Ordinal) != true)
                        continue;
                    if (property.Name is "Children" or "NamedChildren" or "Annotations")
                        continue;
                    var child = property.GetValue(element);
                    if (child is not null and not string)
                        Touch(child, depth + 1);
                }
                break;
            case System.Collections.IEnumerable items and not string:
                foreach (var item in items)
                    if (item is Hl7.Fhir.Model.Base)
                        Touch(item, depth + 1);
                break;
        }
    }

    [Fact]
    public void The_full_read_check_detects_an_unreadable_model()
    {
        var deserializer = new Hl7.Fhir.Serialization.BaseFhirJsonDeserializer(Hl7.Fhir.Model.ModelInfo.ModelInspector,
            new Hl7.Fhir.Serialization.DeserializerSettings().UsingMode(Hl7.Fhir.Serialization.DeserializationMode.Recoverable));
        Hl7.Fhir.Serialization.PocoDeserializationExtensions.TryDeserializeResource(deserializer,
            "{\"resourceType\":\"MedicationRequest\",\"status\":\"weird\"}", out var resource, out _);
        Assert.NotNull(resource);
        Assert.Throws<System.Reflection.TargetInvocationException>(() => Touch(resource, 0));
    }

    [Fact]
    public void Every_accepted_example_can_be_read_in_full()
    {
        foreach (var c in ExampleCorpusTests.Cases.Where(c => c.Accepted && c.Shape != ExampleCorpusTests.Shape.Feedback))
        {
            var result = SharedExamples.ReadRequest(ExampleCorpusTests.ToBody(c, SharedExamples.Read(c.File)), c.Hook);
            Assert.True(result.Succeeded, c.File);
            TouchAll(result.Request!, c.File);
        }
    }

    [Fact]
    public void Epic_draftOrders_members_of_any_kind_never_fault()
    {
        var context = JsonNode.Parse(SharedExamples.Read("cds-hooks/examples/epic-order-context-draftOrders-with-medication-entries.json"))!["context"]!.DeepClone();
        Fuzz(SharedExamples.Envelope(HookNames.OrderSign, context), HookNames.OrderSign, b => b["context"]!["draftOrders"]!, 70);
    }

    [Fact]
    public void Epic_prefetch_members_of_any_kind_never_fault()
    {
        var body = JsonNode.Parse(SharedExamples.Read("cds-hooks/examples/epic-patient-view-request.json"))!;
        Fuzz(body, HookNames.PatientView, b => b["prefetch"]!, 70);
    }

    [Fact]
    public void Envelope_members_of_any_kind_never_fault()
    {
        var body = JsonNode.Parse(SharedExamples.Read("cds-hooks/examples/COMPOSED-order-select-request-r4.json"))!;
        foreach (var key in new[] { "hook", "hookInstance", "fhirServer", "fhirAuthorization", "context", "prefetch", "extension" })
        {
            foreach (var replacement in Replacements)
            {
                var copy = body.DeepClone();
                copy[key] = replacement();
                var result = SharedExamples.ReadRequest(copy, HookNames.OrderSelect);
                Assert.True(result.ReaderFault is null, $"{key}: {result.ReaderFault}");
            }
        }
    }
}
