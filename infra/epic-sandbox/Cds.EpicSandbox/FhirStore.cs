using System.Collections.Concurrent;
using System.Text.Json.Nodes;
using Hl7.Fhir.Model;

namespace Cds.EpicSandbox;

/// <summary>In-memory resource store (Firely POCOs). Resources keep their arrival order.</summary>
internal sealed class FhirStore
{
    private readonly ConcurrentDictionary<string, Entry> _entries = new(StringComparer.Ordinal);
    private long _sequence;

    private sealed record Entry(Resource Resource, bool Seeded, long Sequence);

    public int Count => _entries.Count;

    public void Put(Resource resource, bool seeded)
    {
        var key = resource.TypeName + "/" + resource.Id;
        var seq = Interlocked.Increment(ref _sequence);
        _entries.AddOrUpdate(key, _ => new Entry(resource, seeded, seq), (_, old) => new Entry(resource, seeded, old.Sequence));
    }

    public Resource? Get(string type, string id) =>
        _entries.TryGetValue(type + "/" + id, out var e) ? e.Resource : null;

    public IEnumerable<Resource> OfType(string type) =>
        _entries.Values.Where(e => e.Resource.TypeName == type).OrderBy(e => e.Sequence).Select(e => e.Resource);

    /// <summary>Removes everything that was not seeded (resources created through the API).</summary>
    public int RemoveCreated()
    {
        var removed = 0;
        foreach (var kv in _entries.Where(kv => !kv.Value.Seeded).ToList())
        {
            if (_entries.TryRemove(kv.Key, out _))
            {
                removed++;
            }
        }

        return removed;
    }

    /// <summary>Loads the Synthea and Epic-sandbox resources from the data folder and the fixture set.</summary>
    /// <returns>The data folder seeded from (full path), or null when none was found (fixtures only).</returns>
    public string? Seed(SandboxSettings settings, ILogger logger)
    {
        var data = DataLocator.Find(settings.DataDirectory);
        if (data is null)
        {
            logger.LogWarning("Sandbox data folder not found ({Tried}): only the fixture set is seeded (set SandboxSettings.DataDirectory or --data).",
                DataLocator.Describe(settings.DataDirectory));
        }
        else
        {
            foreach (var file in new[]
                     {
                         "Organization-enRyWnSP963FYDpoks4NHOA3.json", "Practitioner-eM5CWtq15N0WJeuCet5bJlQ3.json",
                         "Patient-erXuFYUfucBZaryVksYEcMg3.camila-lopez.json",
                     })
            {
                var path = Path.Combine(data, "epic-sandbox", file);
                if (File.Exists(path))
                {
                    Put(FhirJson.Parse(File.ReadAllText(path), lenient: true), seeded: true);
                }
            }

            if (settings.SeedSynthea)
            {
                var dir = Path.Combine(data, "synthea-r4");
                foreach (var file in Directory.Exists(dir) ? Directory.GetFiles(dir, "*.json").Order(StringComparer.Ordinal).ToArray() : [])
                {
                    SeedSyntheaBundle(file);
                }
            }
        }

        foreach (var r in Fixtures.Build(DateTimeOffset.UtcNow, haveEpicSandboxData: Get("Practitioner", SandboxPatients.PractitionerId) is not null))
        {
            Put(r, seeded: true);
        }

        var stamp = DateTimeOffset.UtcNow.AddDays(-1);
        foreach (var e in _entries.Values)
        {
            if (settings.TypesWithoutLastUpdated.Contains(e.Resource.TypeName))
            {
                if (e.Resource.Meta is not null)
                {
                    e.Resource.Meta.LastUpdated = null;
                }
            }
            else
            {
                (e.Resource.Meta ??= new Meta()).LastUpdated ??= stamp;
            }
        }

        logger.LogInformation("Seeded {Count} resources from {DataDirectory} and the fixture set.", Count, data ?? "(no data folder)");
        return data;
    }

    private void SeedSyntheaBundle(string file)
    {
        var bundle = JsonNode.Parse(File.ReadAllText(file))!.AsObject();
        var map = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var entry in bundle["entry"]!.AsArray())
        {
            var res = entry!["resource"]!.AsObject();
            var fullUrl = entry["fullUrl"]?.GetValue<string>();
            var id = res["id"]?.GetValue<string>();
            if (id is null && fullUrl is not null && fullUrl.StartsWith("urn:uuid:", StringComparison.Ordinal))
            {
                id = fullUrl["urn:uuid:".Length..];
                res["id"] = id;
            }

            if (fullUrl is not null && id is not null)
            {
                map[fullUrl] = res["resourceType"]!.GetValue<string>() + "/" + id;
            }
        }

        foreach (var entry in bundle["entry"]!.AsArray())
        {
            var res = entry!["resource"]!.AsObject();
            var type = res["resourceType"]!.GetValue<string>();
            if (type is "Claim" or "ExplanationOfBenefit")
            {
                continue; // not served by Epic's clinical API
            }

            RewriteReferences(res, map);
            Put(FhirJson.Parse(res.ToJsonString(), lenient: true), seeded: true);
        }
    }

    private static void RewriteReferences(JsonNode? node, IReadOnlyDictionary<string, string> map)
    {
        switch (node)
        {
            case JsonObject o:
                foreach (var kv in o.ToList())
                {
                    if (kv.Key == "reference" && kv.Value is JsonValue v && v.TryGetValue<string>(out var s) && map.TryGetValue(s, out var local))
                    {
                        o["reference"] = local;
                    }
                    else
                    {
                        RewriteReferences(kv.Value, map);
                    }
                }

                break;
            case JsonArray a:
                foreach (var item in a)
                {
                    RewriteReferences(item, map);
                }

                break;
        }
    }
}
