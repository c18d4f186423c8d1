using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace Cds.Benchmarks.Scenarios;

/// <summary>
/// searchset Bundles of a target size, built from the Synthea R4 patients in <c>infra/epic-sandbox/data/synthea-r4</c> (their
/// resources, re-wrapped as search matches). Without that folder the entries are generated Observations, and the
/// result says so.
/// </summary>
public static class SearchsetBundles
{
    public static readonly (string Label, int Bytes)[] Sizes = [("20 KB", 20 * 1024), ("200 KB", 200 * 1024), ("1 MB", 1024 * 1024)];

    public static (Dictionary<string, byte[]> Bundles, string Source) Build(string repoRoot)
    {
        var resources = SyntheaResources(repoRoot, out var source);
        var bundles = new Dictionary<string, byte[]>();
        foreach (var (label, bytes) in Sizes)
        {
            bundles[label] = BuildOne(resources, bytes);
        }
        return (bundles, source);
    }

    private static byte[] BuildOne(IReadOnlyList<JsonNode> resources, int target)
    {
        var entries = new JsonArray();
        var size = 200;
        var i = 0;
        while (size < target)
        {
            var resource = resources[i % resources.Count].DeepClone();
            if (i >= resources.Count)
            {
                resource["id"] = $"{resource["id"]?.GetValue<string>()}-{i / resources.Count}"; // a repeated resource gets a new id
            }
            var type = resource["resourceType"]!.GetValue<string>();
            var entry = new JsonObject
            {
                ["fullUrl"] = $"https://fhir.example.org/R4/{type}/{resource["id"]}",
                ["resource"] = resource,
                ["search"] = new JsonObject { ["mode"] = "match" },
            };
            size += entry.ToJsonString().Length + 1;
            entries.Add(entry);
            i++;
        }
        var bundle = new JsonObject
        {
            ["resourceType"] = "Bundle",
            ["id"] = Guid.NewGuid().ToString(),
            ["type"] = "searchset",
            ["total"] = entries.Count,
            ["link"] = new JsonArray(new JsonObject { ["relation"] = "self", ["url"] = "https://fhir.example.org/R4/Observation?patient=bench" }),
            ["entry"] = entries,
        };
        return JsonSerializer.SerializeToUtf8Bytes(bundle);
    }

    private static List<JsonNode> SyntheaResources(string repoRoot, out string source)
    {
        const string relative = "infra/epic-sandbox/data/synthea-r4"; // the sandbox's seed patients, in the repository
        var dir = Path.Combine(repoRoot, "infra", "epic-sandbox", "data", "synthea-r4");
        var list = new List<JsonNode>();
        if (Directory.Exists(dir))
        {
            foreach (var file in Directory.GetFiles(dir, "*.json").Order(StringComparer.Ordinal))
            {
                var bundle = JsonNode.Parse(File.ReadAllBytes(file))!;
                foreach (var entry in bundle["entry"]?.AsArray() ?? [])
                {
                    if (entry?["resource"] is JsonObject r && r["resourceType"] is not null && r["id"] is not null)
                    {
                        list.Add(r.DeepClone());
                    }
                }
            }
        }
        if (list.Count > 0)
        {
            source = $"Synthea R4 resources from {relative}";
            return list;
        }
        source = $"generated Observations ({relative} not found)";
        for (var i = 0; i < 500; i++)
        {
            list.Add(JsonNode.Parse($$$"""
                {"resourceType":"Observation","id":"obs-{{{i}}}","status":"final",
                 "category":[{"coding":[{"system":"http://terminology.hl7.org/CodeSystem/observation-category","code":"laboratory"}]}],
                 "code":{"coding":[{"system":"http://loinc.org","code":"4548-4","display":"Hemoglobin A1c/Hemoglobin.total in Blood"}]},
                 "subject":{"reference":"Patient/bench"},"effectiveDateTime":"2024-0{{{1 + i % 9}}}-1{{{i % 10}}}T08:30:00Z",
                 "valueQuantity":{"value":{{{(5 + i % 40 / 10.0).ToString(CultureInfo.InvariantCulture)}}},"unit":"%","system":"http://unitsofmeasure.org","code":"%"}}
                """)!);
        }
        return list;
    }
}
