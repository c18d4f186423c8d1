using System.Collections.Concurrent;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Hl7.Fhir.Model;
using Hl7.Fhir.Serialization;
using Microsoft.IdentityModel.Tokens;

namespace Cds.EpicSandbox;

/// <summary>The FHIR R4 API under {FhirBaseUrl}: auth (401/403), read, search (paging, 4101, 4122), create (If-None-Exist), metadata.</summary>
internal sealed class FhirApi(EpicSandboxServer server)
{
    public const string FhirJsonType = "application/fhir+json; charset=utf-8";
    public const string InsufficientScope =
        "Bearer error=\"insufficient_scope\", error_description=\"The access token provided is valid, but is not authorized for this service\"";

    private static readonly HashSet<string> Creatable = new(StringComparer.Ordinal) { "DocumentReference", "Observation" };
    private readonly ConcurrentDictionary<string, PageCursor> _pages = new(StringComparer.Ordinal);

    private sealed record PageCursor(string Type, IReadOnlyList<Resource> Matches, IReadOnlyList<JsonObject> Warnings, int Offset, int PageSize, string ClientId, DateTimeOffset Expires, bool IncludeMedications);

    private SandboxSettings Settings => server.Settings;

    public void ClearPages() => _pages.Clear();

    /// <summary>Splits the path below the FHIR base into (resource type, id, operation).</summary>
    public static (string? Type, string? Id, string? Operation) Route(string rest)
    {
        var parts = rest.Trim('/').Split('/', StringSplitOptions.RemoveEmptyEntries);
        return parts.Length switch
        {
            0 => (null, null, null),
            1 => (parts[0], null, null),
            2 when parts[1].StartsWith('$') || parts[1] == "_search" => (parts[0], null, parts[1]),
            2 => (parts[0], parts[1], null),
            _ => (parts[0], parts[1], parts[2]),
        };
    }

    public static FhirInteraction? InteractionOf(string method, string? id, string? operation) => (method, id, operation) switch
    {
        ("GET", null, null) => FhirInteraction.Search,
        ("POST", null, "_search") => FhirInteraction.Search,
        ("GET", not null, null) => FhirInteraction.Read,
        ("POST", null, null) => FhirInteraction.Create,
        ("PUT", not null, null) => FhirInteraction.Update,
        ("GET", not null, "$export") => FhirInteraction.Export,
        _ => null,
    };

    public async System.Threading.Tasks.Task HandleAsync(HttpContext ctx, string rest)
    {
        var (type, id, operation) = Route(rest);
        if (type == "metadata" && ctx.Request.Method == "GET")
        {
            await WriteJson(ctx, 200, FhirJson.ToNode(Capability.Build(server)));
            return;
        }

        if (rest.Trim('/') == ".well-known/smart-configuration" && ctx.Request.Method == "GET")
        {
            ctx.Response.StatusCode = 200;
            ctx.Response.ContentType = "application/json";
            await ctx.Response.WriteAsync(server.SmartConfiguration().ToJsonString(), ctx.RequestAborted);
            return;
        }

        if (type == "BulkRequest" && id is not null)
        {
            if (!Authenticate(ctx, out var bulkToken))
            {
                return;
            }

            await server.Bulk.HandleStatusAsync(ctx, id, operation, bulkToken!);
            return;
        }

        if (type is null || !ModelInfo.IsKnownResource(type))
        {
            await WriteJson(ctx, 404, Error("fatal", "not-supported", "4100", $"The resource type is not supported."));
            return;
        }

        if (!Authenticate(ctx, out var token))
        {
            return;
        }

        var interaction = InteractionOf(ctx.Request.Method, id, operation);
        if (interaction is null)
        {
            await WriteJson(ctx, 405, Error("fatal", "not-supported", "4100", "The interaction is not supported."));
            return;
        }

        if (!token!.Permissions.Contains(new EpicApi(type, interaction.Value)))
        {
            ctx.Response.Headers.WWWAuthenticate = InsufficientScope;
            await WriteJson(ctx, 403, new JsonObject());
            return;
        }

        if (token.Patient is { } launchPatient && !InPatientScope(ctx, type, id, interaction.Value, launchPatient))
        {
            ctx.Response.Headers.WWWAuthenticate = InsufficientScope;
            await WriteJson(ctx, 403, Error("fatal", "forbidden", "4118", "The access token is for another patient.",
                "A patient-scoped token (SMART launch) reads only its patient's compartment."));
            return;
        }

        switch (interaction.Value)
        {
            case FhirInteraction.Read:
                await ReadAsync(ctx, type, id!);
                break;
            case FhirInteraction.Search:
                await SearchAsync(ctx, type, token);
                break;
            case FhirInteraction.Create:
                await CreateAsync(ctx, type, token);
                break;
            case FhirInteraction.Export:
                await server.Bulk.KickOffAsync(ctx, type, id!, token);
                break;
            default:
                await WriteJson(ctx, 405, Error("fatal", "not-supported", "4100", "The interaction is not supported."));
                break;
        }
    }

    private static readonly HashSet<string> OutsidePatientCompartment = new(StringComparer.Ordinal) { "Practitioner", "PractitionerRole", "Medication", "Organization", "Location" };

    /// <summary>A SMART launch token (patient-scoped) may read its patient and resources that name it, and search them by patient only.</summary>
    private bool InPatientScope(HttpContext ctx, string type, string? id, FhirInteraction interaction, string patient)
    {
        if (OutsidePatientCompartment.Contains(type))
        {
            return interaction == FhirInteraction.Read;
        }

        static bool Names(string? value, string patient) => value is not null && (value == patient || value == "Patient/" + patient || value.EndsWith("/Patient/" + patient, StringComparison.Ordinal));
        if (interaction == FhirInteraction.Read)
        {
            if (type == "Patient")
            {
                return id == patient;
            }

            var node = server.Store.Get(type, id!) is { } resource ? FhirJson.ToNode(resource) : null;
            return node is null || Names((string?)node["subject"]?["reference"], patient) || Names((string?)node["patient"]?["reference"], patient);
        }

        if (interaction != FhirInteraction.Search || ctx.Request.Method != "GET")
        {
            return false;
        }

        var q = ctx.Request.Query;
        if (q.Count == 1 && q.ContainsKey("_page"))
        {
            return true; // a next link of a search that was in scope (cursors are bound to the client)
        }

        return type == "Patient"
            ? q["_id"].Count == 1 && q["_id"].ToString() == patient
            : (q["patient"].Count + q["subject"].Count) == 1 && (Names(q["patient"].ToString(), patient) || Names(q["subject"].ToString(), patient));
    }

    /// <summary>401 without a bearer token, with an unknown one, or with an expired one.</summary>
    private bool Authenticate(HttpContext ctx, out AccessTokenInfo? token)
    {
        token = null;
        var header = ctx.Request.Headers.Authorization.ToString();
        if (!header.StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase))
        {
            ctx.Response.StatusCode = 401;
            ctx.Response.Headers.WWWAuthenticate = "Bearer";
            return false;
        }

        token = server.Tokens.Lookup(header["Bearer ".Length..].Trim());
        if (token is null || token.ExpiresAt <= server.Time.GetUtcNow())
        {
            token = null;
            ctx.Response.StatusCode = 401;
            ctx.Response.Headers.WWWAuthenticate =
                "Bearer error=\"invalid_token\", error_description=\"The access token provided is expired, revoked, malformed, or invalid for other reasons.\"";
            return false;
        }

        ctx.Items[EpicSandboxServer.ClientIdItem] = token.ClientId;
        return true;
    }

    private async System.Threading.Tasks.Task ReadAsync(HttpContext ctx, string type, string id)
    {
        var resource = server.Store.Get(type, id);
        if (resource is null)
        {
            await WriteJson(ctx, 404, Error("fatal", "not-found", "4102", "The read resource request contained an invalid ID."));
            return;
        }

        await WriteJson(ctx, 200, FhirJson.ToNode(resource));
    }

    private async System.Threading.Tasks.Task SearchAsync(HttpContext ctx, string type, AccessTokenInfo token)
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
            await WriteJson(ctx, 400, Error("fatal", "value", "4100", "The resource request contained an invalid parameter.",
                "Paging is done only by following Bundle.link[next] exactly as returned."));
            return;
        }

        var result = server.Search.Search(type, query, out var error);
        if (error is not null)
        {
            await WriteJson(ctx, error.Status, error.Outcome);
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
            await WriteJson(ctx, 400, Error("fatal", "value", "4100", "The resource request contained an invalid parameter.",
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
            var ids = page.OfType<MedicationRequest>().Select(m => SearchEngine.LastSegment((m.Medication as ResourceReference)?.Reference))
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
        await WriteJson(ctx, 200, bundle);
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

    public JsonObject Entry(Resource r, string mode)
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

    private async System.Threading.Tasks.Task CreateAsync(HttpContext ctx, string type, AccessTokenInfo token)
    {
        var ifNoneExist = ctx.Request.Headers["If-None-Exist"].ToString();
        ifNoneExist = string.IsNullOrWhiteSpace(ifNoneExist) ? null : ifNoneExist;
        var contentType = ctx.Request.ContentType ?? "";
        if (!contentType.StartsWith("application/fhir+json", StringComparison.OrdinalIgnoreCase)
            && !contentType.StartsWith("application/json", StringComparison.OrdinalIgnoreCase))
        {
            await Reject(ctx, type, null, ifNoneExist, token, 415, Error("fatal", "not-supported", "59100", "Content invalid against the specification or a profile.",
                "Content-Type must be application/fhir+json."));
            return;
        }

        if (!Creatable.Contains(type))
        {
            await Reject(ctx, type, null, ifNoneExist, token, 405, Error("fatal", "not-supported", "4100", "The interaction is not supported."));
            return;
        }

        string body;
        using (var reader = new StreamReader(ctx.Request.Body, Encoding.UTF8))
        {
            body = await reader.ReadToEndAsync(ctx.RequestAborted);
        }

        Resource resource;
        try
        {
            resource = FhirJson.Parse(body);
        }
        catch (Exception e) when (e is DeserializationFailedException or JsonException or InvalidCastException)
        {
            await Reject(ctx, type, null, ifNoneExist, token, 400, Error("fatal", "structure", "59100", "Content invalid against the specification or a profile.",
                "The body is not a valid FHIR R4 JSON resource."));
            return;
        }

        var identifiers = SearchEngine.IdentifiersOf(resource).Select(i => $"{i.System}|{i.Value}").ToList();
        if (resource.TypeName != type)
        {
            await Reject(ctx, type, identifiers, ifNoneExist, token, 400, Error("fatal", "invalid", "59100", "Content invalid against the specification or a profile.",
                $"The body is a {resource.TypeName}, not a {type}."));
            return;
        }

        var patientId = SearchEngine.PatientIdOf(resource);
        if (patientId is null || server.Store.Get("Patient", patientId) is null)
        {
            await Reject(ctx, type, identifiers, ifNoneExist, token, 400, Error("fatal", "invalid", "59100", "Content invalid against the specification or a profile.",
                "The subject must reference an existing Patient."));
            return;
        }

        var problem = Validate(resource);
        if (problem is not null)
        {
            await Reject(ctx, type, identifiers, ifNoneExist, token, 400, Error("fatal", "required", "59100", "Content invalid against the specification or a profile.", problem));
            return;
        }

        (int Status, JsonObject Body, Resource? Stored, WriteOutcome Outcome) result;
        lock (_createGate)
        {
            if (ifNoneExist is not null)
            {
                var q = Microsoft.AspNetCore.WebUtilities.QueryHelpers.ParseQuery(ifNoneExist.TrimStart('?'))
                    .SelectMany(kv => kv.Value.Select(v => new KeyValuePair<string, string>(kv.Key, v ?? ""))).ToList();
                SearchError? searchError = null;
                var existing = q.Count == 0 ? null : server.Search.Search(type, q, out searchError, conditional: true);
                if (existing is null || searchError is not null)
                {
                    result = (400, Error("fatal", "value", "4100", "The resource request contained an invalid parameter.", "If-None-Exist is not a valid search."), null, WriteOutcome.Rejected);
                }
                else if (existing.Matches.Count > 1)
                {
                    result = (412, Error("error", "duplicate", "4100", "Multiple matches for If-None-Exist."), null, WriteOutcome.Rejected);
                }
                else if (existing.Matches.Count == 1)
                {
                    result = (200, FhirJson.ToNode(existing.Matches[0]), existing.Matches[0], WriteOutcome.MatchedExisting);
                }
                else
                {
                    result = Store(resource);
                }
            }
            else
            {
                result = Store(resource);
            }
        }

        var (status, responseBody, stored, outcome) = result;
        server.State.Add(new WriteRecord(server.Time.GetUtcNow(), type, stored?.Id, identifiers, patientId, ifNoneExist, outcome, status, token.ClientId));
        if (stored is not null)
        {
            ctx.Response.Headers.Location = $"{server.FhirBaseUrl}{type}/{stored.Id}";
        }

        var prefer = ctx.Request.Headers["Prefer"].ToString();
        if (status is 200 or 201 && !prefer.Contains("return=representation", StringComparison.OrdinalIgnoreCase))
        {
            ctx.Response.StatusCode = status; // Epic answers a create with Location and no body.
            return;
        }

        await WriteJson(ctx, status, responseBody);
    }

    private readonly object _createGate = new();

    private (int, JsonObject, Resource?, WriteOutcome) Store(Resource resource)
    {
        resource.Id = EpicId.New();
        if (!Settings.TypesWithoutLastUpdated.Contains(resource.TypeName))
        {
            (resource.Meta ??= new Meta()).LastUpdated = server.Time.GetUtcNow();
            resource.Meta.VersionId = "1";
        }

        server.Store.Put(resource, seeded: false);
        return (201, FhirJson.ToNode(resource), resource, WriteOutcome.Created);
    }

    private static string? Validate(Resource r) => r switch
    {
        DocumentReference d when d.Content.Count == 0 || d.Content.Any(c => c.Attachment?.Data is null && c.Attachment?.Url is null) =>
            "DocumentReference.content.attachment needs data or url.",
        DocumentReference d when d.Type is null => "DocumentReference.type is required (a note type Epic knows).",
        Observation o when o.Code is null || o.Code.Coding.Count == 0 => "Observation.code needs a coding.",
        Observation o when o.Status is null => "Observation.status is required.",
        _ => null,
    };

    private async System.Threading.Tasks.Task Reject(HttpContext ctx, string type, IReadOnlyList<string>? identifiers, string? ifNoneExist, AccessTokenInfo token, int status, JsonObject outcome)
    {
        server.State.Add(new WriteRecord(server.Time.GetUtcNow(), type, null, identifiers ?? [], null, ifNoneExist, WriteOutcome.Rejected, status, token.ClientId));
        await WriteJson(ctx, status, outcome);
    }

    public JsonObject Error(string severity, string code, string epicCode, string text, string? diagnostics = null) =>
        EpicOutcomes.Outcome(EpicOutcomes.Issue(Settings.InstanceOid, severity, code, epicCode, text, diagnostics: diagnostics));

    public static async System.Threading.Tasks.Task WriteJson(HttpContext ctx, int status, JsonNode body)
    {
        ctx.Response.StatusCode = status;
        ctx.Response.ContentType = FhirJsonType;
        await ctx.Response.WriteAsync(body.ToJsonString(), ctx.RequestAborted);
    }
}
