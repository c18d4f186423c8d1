using System.Text.Json.Nodes;
using Hl7.Fhir.Model;

namespace Cds.EpicSandbox;

/// <summary>The FHIR R4 API under {FhirBaseUrl}: auth (401/403), read, search (paging, 4101, 4122), create (If-None-Exist), metadata.
/// Routing, authentication, scope checks and read live here; search is <see cref="FhirSearchApi"/>, create <see cref="FhirCreateApi"/>,
/// $export <see cref="BulkExport"/>.</summary>
internal sealed class FhirApi(EpicSandboxServer server)
{
    public const string FhirJsonType = "application/fhir+json; charset=utf-8";
    public const string InsufficientScope =
        "Bearer error=\"insufficient_scope\", error_description=\"The access token provided is valid, but is not authorized for this service\"";

    private readonly FhirCreateApi _create = new(server);

    /// <summary>Search and paging (the prefetch's unpaged search too).</summary>
    public FhirSearchApi Searches { get; } = new(server);

    private SandboxSettings Settings => server.Settings;

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
                await Searches.SearchAsync(ctx, type, token);
                break;
            case FhirInteraction.Create:
                await _create.CreateAsync(ctx, type, token);
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

    public JsonObject Error(string severity, string code, string epicCode, string text, string? diagnostics = null) =>
        EpicOutcomes.Outcome(EpicOutcomes.Issue(Settings.InstanceOid, severity, code, epicCode, text, diagnostics: diagnostics));

    public static async System.Threading.Tasks.Task WriteJson(HttpContext ctx, int status, JsonNode body)
    {
        ctx.Response.StatusCode = status;
        ctx.Response.ContentType = FhirJsonType;
        await ctx.Response.WriteAsync(body.ToJsonString(), ctx.RequestAborted);
    }
}
