using System.Text;
using System.Text.Json.Nodes;
using Cds.EpicSandbox;

namespace Cds.Reliability;

/// <summary>
/// Scenario 6: a generated corpus of bad requests, each signed correctly by tenant alpha's Epic, so every one reaches the
/// request reader: malformed JSON, wrong types at every path, huge arrays, deep nesting, invalid FHIR in prefetch and
/// draftOrders, oversized bodies. Expected: no 5xx, no crash, and nothing stored for a refused request.
/// </summary>
public static class BadInputScenario
{
    public static async Task RunAsync(Rig rig, ScenarioResult result, bool quick)
    {
        // The baseline must be accepted, or the corpus would only measure a wrong URL or a wrong credential.
        var baseline = await rig.OrderSelectAsync(rig.DriverA);
        if (baseline.Status != 200)
        {
            throw new InvalidOperationException($"a valid order-select got {baseline.Status}: the corpus would not reach the request reader");
        }
        var random = new Random(10);
        var corpus = new List<(string Kind, string Service, byte[] Body, string? Instance)>();
        var valid = rig.DriverA.BuildOrderSelect(SandboxPatients.PenicillinAllergic, [DraftMedication.Amoxicillin]);
        var validPv = rig.DriverA.BuildPatientView(SandboxPatients.Type2DiabeticHighA1c);

        JsonObject Fresh(JsonObject template, out string instance)
        {
            var copy = template.DeepClone().AsObject();
            instance = Guid.NewGuid().ToString();
            copy["hookInstance"] = instance;
            return copy;
        }
        void Add(string kind, JsonNode body, string? instance, string service = "cds-order-select") =>
            corpus.Add((kind, service, Encoding.UTF8.GetBytes(body.ToJsonString()), instance));

        // Malformed JSON: truncations at random places, junk.
        var perKind = quick ? 40 : 150;
        for (var i = 0; i < perKind; i++)
        {
            var body = Fresh(valid, out var instance);
            var bytes = Encoding.UTF8.GetBytes(body.ToJsonString());
            corpus.Add(("truncated", "cds-order-select", bytes[..random.Next(0, bytes.Length - 1)], instance));
        }
        foreach (var junk in new[] { "", "{", "}", "[]", "null", "42", "\"hook\"", "{\"hook\":", "{'hook':'order-select'}", "{\"a\":1,}", "\u0000\u0001", "{\"hook\":\"order-select\"}{}" })
        {
            corpus.Add(("junk", "cds-order-select", Encoding.UTF8.GetBytes(junk), null));
        }
        corpus.Add(("invalid-utf8", "cds-order-select", [0x7b, 0x22, 0xff, 0xfe, 0x22, 0x3a, 0x31, 0x7d], null));

        // Wrong types at random paths.
        var paths = Paths(valid).ToList();
        JsonNode?[] replacements = [JsonValue.Create(12345), JsonValue.Create("x"), JsonValue.Create(true), null, new JsonArray(), new JsonObject(), JsonValue.Create(-1.5e300)];
        for (var i = 0; i < perKind * 2; i++)
        {
            var body = Fresh(valid, out var instance);
            var path = paths[random.Next(paths.Count)];
            if (path == "hookInstance")
            {
                continue;
            }
            SetPath(body, path, replacements[random.Next(replacements.Length)]?.DeepClone());
            Add("wrong-type", body, instance);
        }

        // Huge arrays.
        {
            var body = Fresh(valid, out var instance);
            var entries = body["context"]!["draftOrders"]!["entry"]!.AsArray();
            var one = entries[0]!.ToJsonString();
            for (var i = 0; i < 20_000; i++)
            {
                entries.Add(JsonNode.Parse(one));
            }
            Add("huge-draftOrders", body, instance);
            var b2 = Fresh(valid, out var i2);
            var sel = new JsonArray();
            for (var i = 0; i < 200_000; i++)
            {
                sel.Add("MedicationRequest/x" + i);
            }
            b2["context"]!["selections"] = sel;
            Add("huge-selections", b2, i2);
            var b3 = Fresh(validPv, out var i3);
            var many = new JsonArray();
            for (var i = 0; i < 50_000; i++)
            {
                many.Add(new JsonObject { ["resource"] = new JsonObject { ["resourceType"] = "Condition" } });
            }
            b3["prefetch"]!["conditions"] = new JsonObject { ["resourceType"] = "Bundle", ["type"] = "searchset", ["entry"] = many };
            Add("huge-prefetch-bundle", b3, i3, "cds-patient-view");
        }

        // Deep nesting (raw text: the writer would refuse it).
        foreach (var depth in new[] { 65, 1_000, 100_000 })
        {
            var body = Fresh(valid, out var instance);
            body["context"]!["deep"] = "__DEEP__";
            var text = body.ToJsonString().Replace("\"__DEEP__\"", new string('[', depth) + new string(']', depth), StringComparison.Ordinal);
            corpus.Add(($"deep-{depth}", "cds-order-select", Encoding.UTF8.GetBytes(text), instance));
            var pv = Fresh(validPv, out var pi);
            pv["prefetch"]!["patient"] = "__DEEP__";
            var t2 = pv.ToJsonString().Replace("\"__DEEP__\"", string.Concat(Enumerable.Repeat("{\"a\":", depth)) + "1" + new string('}', depth), StringComparison.Ordinal);
            corpus.Add(($"deep-prefetch-{depth}", "cds-patient-view", Encoding.UTF8.GetBytes(t2), pi));
        }

        // Invalid FHIR inside prefetch and draftOrders.
        JsonNode[] badPatients =
        [
            new JsonObject { ["resourceType"] = "Banana", ["id"] = "x" },
            new JsonObject { ["resourceType"] = "Patient", ["id"] = "x", ["birthDate"] = "not-a-date", ["gender"] = 42 },
            new JsonObject { ["resourceType"] = "Patient", ["name"] = "Alice" },
            new JsonObject { ["id"] = "no-resource-type" },
            new JsonObject { ["resourceType"] = "Patient", ["id"] = new JsonArray(1, 2), ["active"] = "yes" },
            new JsonObject { ["resourceType"] = "Bundle", ["type"] = "searchset", ["entry"] = new JsonArray(new JsonObject { ["resource"] = "str" }) },
        ];
        foreach (var bad in badPatients)
        {
            foreach (var key in new[] { "patient", "allergies", "medications", "conditions" })
            {
                var body = Fresh(valid, out var instance);
                if (body["prefetch"] is JsonObject prefetch)
                {
                    prefetch[key] = bad.DeepClone();
                }
                Add("invalid-fhir-prefetch", body, instance);
            }
        }
        JsonNode[] badDrafts =
        [
            new JsonArray(1, 2, 3),
            new JsonObject { ["resourceType"] = "Patient", ["id"] = "p" },
            new JsonObject { ["resourceType"] = "Bundle", ["type"] = "collection", ["entry"] = new JsonArray(new JsonObject { ["resource"] = new JsonObject { ["resourceType"] = "MedicationRequest", ["status"] = "bogus", ["intent"] = 7, ["subject"] = "Patient/x" } }) },
            new JsonObject { ["resourceType"] = "Bundle", ["type"] = "collection", ["entry"] = new JsonArray(new JsonObject { ["resource"] = new JsonObject { ["resourceType"] = "MedicationRequest", ["status"] = "draft", ["intent"] = "order", ["dosageInstruction"] = new JsonObject() } }) },
            new JsonObject { ["resourceType"] = "Bundle", ["type"] = "collection", ["entry"] = new JsonObject() },
            new JsonObject { ["resourceType"] = "Bundle", ["entry"] = new JsonArray(new JsonObject { ["resource"] = new JsonObject { ["resourceType"] = "MedicationRequest" } }) },
        ];
        foreach (var bad in badDrafts)
        {
            var body = Fresh(valid, out var instance);
            body["context"]!["draftOrders"] = bad.DeepClone();
            Add("invalid-draftOrders", body, instance);
        }

        // Oversized body (past CdsHooks:Requests:MaxBodyBytes, 8 MiB).
        {
            var body = Fresh(valid, out var instance);
            body["context"]!["padding"] = new string('a', 9 * 1024 * 1024);
            Add("oversized", body, instance);
        }
        // Wrong content type, unknown service, hook mismatch.
        corpus.Add(("text/plain", "cds-order-select", Encoding.UTF8.GetBytes(valid.ToJsonString()), null));
        {
            var body = Fresh(valid, out var instance);
            Add("hook-mismatch", body, instance, "cds-patient-view");
        }

        // Feedback with garbage.
        foreach (var fb in new[] { "{", "{\"feedback\":42}", "{\"feedback\":[{\"card\":1,\"outcome\":[]}]}", "{\"feedback\":[{\"card\":\"x\",\"outcome\":\"bogus\",\"outcomeTimestamp\":\"yesterday\"}]}" })
        {
            corpus.Add(("feedback-junk", "cds-order-select/feedback", Encoding.UTF8.GetBytes(fb), null));
        }

        var refused = new List<string>();
        var byKind = new Dictionary<string, (int Sent, int FiveXx, int Refused)>();
        var gate = new SemaphoreSlim(4);
        var tasks = corpus.Select(async item =>
        {
            await gate.WaitAsync();
            try
            {
                var contentType = item.Kind == "text/plain" ? "text/plain" : "application/json";
                var (status, _) = await rig.PostRawAsync(item.Service, item.Body, contentType: contentType);
                lock (byKind)
                {
                    var k = byKind.GetValueOrDefault(item.Kind);
                    byKind[item.Kind] = (k.Sent + 1, k.FiveXx + (status is >= 500 or 0 ? 1 : 0), k.Refused + (status is >= 400 and < 500 ? 1 : 0));
                    result.Sent++;
                    if (status is >= 500 or 0)
                    {
                        result.FiveXx++;
                    }
                    else
                    {
                        result.Answered++;
                    }
                    if (status is 401 or 404)
                    {
                        result.Failures.Add($"{item.Kind}: {status} (the request did not reach the reader)");
                    }
                    if (status is >= 400 and < 500 && item.Instance is not null)
                    {
                        refused.Add(item.Instance);
                    }
                }
            }
            finally
            {
                gate.Release();
            }
        });
        await Task.WhenAll(tasks);

        var stored = await rig.ScalarAsync("select count(*) from {schema}.mt_streams where id = any(@ids)", ("ids", refused.ToArray()));
        result.Check(stored == 0, $"{stored} streams stored for refused requests");
        result.Crashes = rig.AnyCrashed(out var crashed) ? crashed.Split(',').Length : 0;
        var after = await rig.OrderSelectAsync(rig.DriverA);
        result.Check(after.Status == 200, $"a valid hook after the corpus got {after.Status}");
        result.InTime = result.Answered;
        result.Notes.Add($"refused 4xx: {refused.Count} with a hookInstance; stored from refused: {stored}");
        foreach (var (kind, c) in byKind.OrderBy(k => k.Key))
        {
            if (c.FiveXx > 0)
            {
                result.Failures.Add($"{kind}: {c.FiveXx} of {c.Sent} answered 5xx/connection error");
            }
        }
        result.Notes.Add("kinds: " + string.Join(", ", byKind.OrderBy(k => k.Key).Select(k => $"{k.Key} {k.Value.Sent} (4xx {k.Value.Refused}, 5xx {k.Value.FiveXx})")));
    }

    private static IEnumerable<string> Paths(JsonNode node, string prefix = "")
    {
        switch (node)
        {
            case JsonObject o:
                foreach (var (k, v) in o)
                {
                    var p = prefix.Length == 0 ? k : prefix + Sep + k;
                    yield return p;
                    if (v is not null)
                    {
                        foreach (var c in Paths(v, p))
                        {
                            yield return c;
                        }
                    }
                }
                break;
            case JsonArray a:
                for (var i = 0; i < a.Count; i++)
                {
                    var p = prefix + Sep + i;
                    yield return p;
                    if (a[i] is { } v)
                    {
                        foreach (var c in Paths(v, p))
                        {
                            yield return c;
                        }
                    }
                }
                break;
        }
    }

    /// <summary>Path separator: Epic's extension keys contain dots (com.epic.cdshooks.request.…).</summary>
    private const char Sep = '\u001f';

    private static void SetPath(JsonNode root, string path, JsonNode? value)
    {
        var parts = path.Split(Sep);
        var node = root;
        for (var i = 0; i < parts.Length - 1; i++)
        {
            node = node is JsonArray a ? a[int.Parse(parts[i], System.Globalization.CultureInfo.InvariantCulture)]! : node[parts[i]]!;
        }
        if (node is JsonArray arr)
        {
            arr[int.Parse(parts[^1], System.Globalization.CultureInfo.InvariantCulture)] = value;
        }
        else
        {
            node[parts[^1]] = value;
        }
    }
}
