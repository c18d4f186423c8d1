using System.Collections.Concurrent;
using System.Text;
using System.Text.Json.Nodes;
using Hl7.Fhir.Model;
using Microsoft.AspNetCore.Http;

namespace Cds.EpicSandbox;

/// <summary>Group $export as Epic does it: async kick-off (Prefer: respond-async), polling with Retry-After,
/// NDJSON downloads that need the token, and a throttle per client and Group.</summary>
internal sealed class BulkExport(EpicSandboxServer server)
{
    private sealed class Job
    {
        public required string Id { get; init; }
        public required string ClientId { get; init; }
        public required string Request { get; init; }
        public required Dictionary<string, string> Files { get; init; }
        public DateTimeOffset TransactionTime { get; init; }
        public int Polls;
    }

    private readonly ConcurrentDictionary<string, Job> _jobs = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, DateTimeOffset> _lastKickOff = new(StringComparer.Ordinal);

    public void Clear()
    {
        _jobs.Clear();
        _lastKickOff.Clear();
    }

    public async System.Threading.Tasks.Task KickOffAsync(HttpContext ctx, string type, string groupId, AccessTokenInfo token)
    {
        if (type != "Group")
        {
            await FhirApi.WriteJson(ctx, 400, server.Fhir.Error("fatal", "not-supported", "4100", "Only Group-level export is supported."));
            return;
        }

        if (!ctx.Request.Headers["Prefer"].ToString().Contains("respond-async", StringComparison.OrdinalIgnoreCase))
        {
            await FhirApi.WriteJson(ctx, 400, server.Fhir.Error("fatal", "required", "4100", "The Prefer: respond-async header is required."));
            return;
        }

        if (server.Store.Get("Group", groupId) is not Group group)
        {
            await FhirApi.WriteJson(ctx, 404, server.Fhir.Error("fatal", "not-found", "4102", "The read resource request contained an invalid ID."));
            return;
        }

        var now = server.Time.GetUtcNow();
        var key = token.ClientId + "\n" + groupId;
        if (_lastKickOff.TryGetValue(key, out var last) && now - last < server.Settings.ExportThrottle)
        {
            ctx.Response.Headers.RetryAfter = ((int)Math.Ceiling((server.Settings.ExportThrottle - (now - last)).TotalSeconds)).ToString(System.Globalization.CultureInfo.InvariantCulture);
            await FhirApi.WriteJson(ctx, 429, server.Fhir.Error("error", "throttled", "59133", "This client has requested this Group too recently."));
            return;
        }

        _lastKickOff[key] = now;
        var types = ctx.Request.Query["_type"].ToString().Split(',', StringSplitOptions.RemoveEmptyEntries);
        if (types.Length == 0)
        {
            types = ["Patient", "Condition", "Observation", "MedicationRequest", "AllergyIntolerance"];
        }

        var members = group.Member.Select(m => ResourceFields.LastSegment(m.Entity?.Reference)).OfType<string>().ToHashSet(StringComparer.Ordinal);
        var files = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var t in types)
        {
            var lines = new StringBuilder();
            foreach (var r in server.Store.OfType(t).Where(r => ResourceFields.PatientIdOf(r) is { } p && members.Contains(p)))
            {
                lines.Append(FhirJson.Serialize(r)).Append('\n');
            }

            if (lines.Length > 0)
            {
                files[t] = lines.ToString();
            }
        }

        var job = new Job
        {
            Id = EpicId.New(24), ClientId = token.ClientId, Files = files, TransactionTime = now,
            Request = server.FhirBaseUrl + "Group/" + groupId + "/$export" + ctx.Request.QueryString.Value,
        };
        _jobs[job.Id] = job;
        ctx.Response.StatusCode = 202;
        ctx.Response.Headers.ContentLocation = $"{server.FhirBaseUrl}BulkRequest/{job.Id}";
    }

    public async System.Threading.Tasks.Task HandleStatusAsync(HttpContext ctx, string jobId, string? file, AccessTokenInfo token)
    {
        if (!_jobs.TryGetValue(jobId, out var job) || job.ClientId != token.ClientId)
        {
            await FhirApi.WriteJson(ctx, 404, server.Fhir.Error("fatal", "not-found", "4102", "The read resource request contained an invalid ID."));
            return;
        }

        if (ctx.Request.Method == "DELETE" && file is null)
        {
            _jobs.TryRemove(jobId, out _);
            ctx.Response.StatusCode = 202;
            return;
        }

        if (file is not null)
        {
            if (!job.Files.TryGetValue(file, out var ndjson))
            {
                ctx.Response.StatusCode = 404;
                return;
            }

            var bytes = Encoding.UTF8.GetBytes(ndjson);
            var from = 0;
            ctx.Response.ContentType = "application/fhir+ndjson";
            if (server.Settings.ExportFileRanges)
            {
                ctx.Response.Headers.AcceptRanges = "bytes";
                var range = ctx.Request.Headers.Range.ToString();
                if (range.StartsWith("bytes=", StringComparison.Ordinal) && range.EndsWith('-')
                    && int.TryParse(range.AsSpan(6, range.Length - 7), System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var start))
                {
                    if (start >= bytes.Length)
                    {
                        ctx.Response.StatusCode = 416;
                        ctx.Response.Headers.ContentRange = $"bytes */{bytes.Length}";
                        return;
                    }

                    from = start;
                    ctx.Response.StatusCode = 206;
                    ctx.Response.Headers.ContentRange = $"bytes {start}-{bytes.Length - 1}/{bytes.Length}";
                }
            }

            if (from == 0)
            {
                ctx.Response.StatusCode = 200;
            }

            // Written in pieces, as a server streams a large file.
            for (var offset = from; offset < bytes.Length; offset += 4096)
            {
                await ctx.Response.Body.WriteAsync(bytes.AsMemory(offset, Math.Min(4096, bytes.Length - offset)), ctx.RequestAborted);
                await ctx.Response.Body.FlushAsync(ctx.RequestAborted);
            }

            return;
        }

        var polls = Interlocked.Increment(ref job.Polls);
        if (polls <= server.Settings.ExportPollsBeforeReady)
        {
            ctx.Response.StatusCode = 202;
            ctx.Response.Headers.RetryAfter = "1";
            ctx.Response.Headers["X-Progress"] = $"in-progress ({polls * 100 / (server.Settings.ExportPollsBeforeReady + 1)}%)";
            return;
        }

        var manifest = new JsonObject
        {
            ["transactionTime"] = job.TransactionTime.ToString("o", System.Globalization.CultureInfo.InvariantCulture),
            ["request"] = job.Request,
            ["requiresAccessToken"] = true,
            ["output"] = new JsonArray(job.Files.Select(f => (JsonNode)new JsonObject
            {
                ["type"] = f.Key,
                ["url"] = $"{server.FhirBaseUrl}BulkRequest/{job.Id}/{f.Key}",
            }).ToArray()),
            ["error"] = new JsonArray(),
        };
        ctx.Response.StatusCode = 200;
        ctx.Response.ContentType = "application/json";
        await ctx.Response.WriteAsync(manifest.ToJsonString(), ctx.RequestAborted);
    }
}
