using System.Collections.Concurrent;
using System.Security.Cryptography;
using System.Text.Json.Nodes;
using Hl7.Fhir.Model;
using Microsoft.IdentityModel.Tokens;

namespace Cds.EpicSandbox;

/// <summary>The search interaction of <see cref="FhirApi"/>: GET and POST _search, paging by Bundle.link[next] cursors bound to the client,
/// _include=MedicationRequest:medication, Epic's outcome entries; and the unpaged search the hook driver's prefetch runs.</summary>
internal sealed class FhirSearchApi(EpicSandboxServer server)
{
    private readonly ConcurrentDictionary<string, PageCursor> _pages = new(StringComparer.Ordinal);

    private sealed record PageCursor(string Type, IReadOnlyList<Resource> Matches, IReadOnlyList<JsonObject> Warnings, int Offset, int PageSize, string ClientId, DateTimeOffset Expires, bool IncludeMedications);

    private SandboxSettings Settings => server.Settings;

    public void ClearPages() => _pages.Clear();

    public async System.Threading.Tasks.Task SearchAsync(HttpContext ctx, string type, AccessTokenInfo token)
    {
        var query = new List<KeyValuePair<string, string>>();
        foreach (var kv in ctx.Request.Query)
        {
            query.AddRange(kv.Value.Select(v => new KeyValuePair<string, string>(kv.Key, v ?? "")));
        }

        if (ctx.Request.Method == "POST" && ctx.Request.HasFormContentType)
        {
            var form = await ctx.Request.ReadFormAsync(ctx.RequestAborted);
            foreach (var kv in form)
            {
                query.AddRange(kv.Value.Select(v => new KeyValuePair<string, string>(kv.Key, v ?? "")));
            }
        }

        var self = server.FhirBaseUrl + type + ctx.Request.QueryString.Value;
        if (query.Any(q => q.Key == "_page"))
        {
            await NextPageAsync(ctx, type, query, token, self);
            return;
        }

        if (query.Any(q => q.Key is "_offset" or "_getpagesoffset" or "page" or "_page_token" or "pageNumber"))
        {
            await FhirApi.WriteJson(ctx, 400, server.Fhir.Error("fatal", "value", "4100", "The resource request contained an invalid parameter.",
                "Paging is done only by following Bundle.link[next] exactly as returned."));
            return;
        }

        var result = server.Search.Search(type, query, out var error);
        if (error is not null)
        {
            await FhirApi.WriteJson(ctx, error.Status, error.Outcome);
            return;
        }

        var pageSize = Settings.CountMode == CountMode.Ignore || result.Count is null
            ? Settings.MaxPageSize
            : Math.Min(result.Count.Value, Settings.MaxPageSize);
        await WritePageAsync(ctx, type, result.Matches, result.Warnings, 0, pageSize, token, self, result.IncludeMedications);
    }

    private async System.Threading.Tasks.Task NextPageAsync(HttpContext ctx, string type, List<KeyValuePair<string, string>> query, AccessTokenInfo token, string self)
    {
        var pageToken = query.First(q => q.Key == "_page").Value;
        if (query.Count != 1 || !_pages.TryGetValue(pageToken, out var cursor) || cursor.Type != type
            || cursor.ClientId != token.ClientId || cursor.Expires <= server.Time.GetUtcNow())
        {
            await FhirApi.WriteJson(ctx, 400, server.Fhir.Error("fatal", "value", "4100", "The resource request contained an invalid parameter.",
                "The paging link is not valid: follow Bundle.link[next] exactly as returned, before it expires."));
            return;
        }

        await WritePageAsync(ctx, type, cursor.Matches, cursor.Warnings, cursor.Offset, cursor.PageSize, token, self, cursor.IncludeMedications);
    }

    private async System.Threading.Tasks.Task WritePageAsync(HttpContext ctx, string type, IReadOnlyList<Resource> matches, IReadOnlyList<JsonObject> warnings,
        int offset, int pageSize, AccessTokenInfo token, string self, bool includeMedications)
    {
        var bundle = new JsonObject
        {
            ["resourceType"] = "Bundle",
            ["type"] = "searchset",
            ["total"] = matches.Count,
        };
        var links = new JsonArray(new JsonObject { ["relation"] = "self", ["url"] = self });
        if (offset + pageSize < matches.Count)
        {
            PrunePages();
            var next = Base64UrlEncoder.Encode(RandomNumberGenerator.GetBytes(18));
            _pages[next] = new PageCursor(type, matches, warnings, offset + pageSize, pageSize, token.ClientId, server.Time.GetUtcNow().AddMinutes(30), includeMedications);
            links.Add(new JsonObject { ["relation"] = "next", ["url"] = $"{server.FhirBaseUrl}{type}?_page={next}" });
        }

        bundle["link"] = links;
        var entries = new JsonArray();
        var page = matches.Skip(offset).Take(pageSize).ToList();
        foreach (var r in page)
        {
            entries.Add(Entry(r, "match"));
        }

        if (includeMedications && !token.Permissions.Contains(new EpicApi("Medication", FhirInteraction.Read)))
        {
            entries.Add(new JsonObject
            {
                ["resource"] = EpicOutcomes.Outcome(EpicOutcomes.Issue(Settings.InstanceOid, "warning", "suppressed", "59204",
                    "The authenticated client's search request applies to a sub-resource that the client is not authorized for. Results of this type will not be returned.",
                    diagnostics: "Client not authorized for Medication")),
                ["search"] = new JsonObject { ["mode"] = "outcome" },
            });
        }
        else if (includeMedications)
        {
            // _include=MedicationRequest:medication: the referenced Medications of this page, once each.
            var ids = page.OfType<MedicationRequest>().Select(m => ResourceFields.LastSegment((m.Medication as ResourceReference)?.Reference))
                .OfType<string>().Distinct(StringComparer.Ordinal);
            foreach (var id in ids)
            {
                if (server.Store.Get("Medication", id) is { } medication)
                {
                    entries.Add(Entry(medication, "include"));
                }
            }
        }

        if (offset == 0)
        {
            foreach (var w in warnings)
            {
                entries.Add(new JsonObject { ["resource"] = w.DeepClone(), ["search"] = new JsonObject { ["mode"] = "outcome" } });
            }

            if (matches.Count == 0)
            {
                entries.Add(new JsonObject { ["resource"] = EpicOutcomes.NoResults(Settings.InstanceOid), ["search"] = new JsonObject { ["mode"] = "outcome" } });
            }
        }

        bundle["entry"] = entries;
        await FhirApi.WriteJson(ctx, 200, bundle);
    }

    private void PrunePages()
    {
        if (_pages.Count < 10_000)
        {
            return;
        }

        var now = server.Time.GetUtcNow();
        foreach (var kv in _pages.Where(kv => kv.Value.Expires <= now).ToList())
        {
            _pages.TryRemove(kv.Key, out _);
        }
    }

    private JsonObject Entry(Resource r, string mode)
    {
        var url = $"{server.FhirBaseUrl}{r.TypeName}/{r.Id}";
        return new JsonObject
        {
            ["link"] = new JsonArray(new JsonObject { ["relation"] = "self", ["url"] = url }),
            ["fullUrl"] = url,
            ["resource"] = FhirJson.ToNode(r),
            ["search"] = new JsonObject { ["mode"] = mode },
        };
    }

    /// <summary>A search run for the hook driver's prefetch (no auth, no paging: the whole result in one Bundle).</summary>
    public JsonObject SearchBundle(string type, IReadOnlyList<KeyValuePair<string, string>> query)
    {
        var result = server.Search.Search(type, query, out var error);
        if (error is not null)
        {
            throw new InvalidOperationException($"Prefetch query for {type} is invalid: {error.Outcome.ToJsonString()}");
        }

        var self = server.FhirBaseUrl + type + "?" + string.Join('&', query.Select(q => Uri.EscapeDataString(q.Key) + "=" + Uri.EscapeDataString(q.Value)));
        var entries = new JsonArray();
        foreach (var r in result.Matches)
        {
            entries.Add(Entry(r, "match"));
        }

        if (result.Matches.Count == 0)
        {
            entries.Add(new JsonObject { ["resource"] = EpicOutcomes.NoResults(Settings.InstanceOid), ["search"] = new JsonObject { ["mode"] = "outcome" } });
        }

        return new JsonObject
        {
            ["resourceType"] = "Bundle",
            ["type"] = "searchset",
            ["total"] = result.Matches.Count,
            ["link"] = new JsonArray(new JsonObject { ["relation"] = "self", ["url"] = self }),
            ["entry"] = entries,
        };
    }
}
