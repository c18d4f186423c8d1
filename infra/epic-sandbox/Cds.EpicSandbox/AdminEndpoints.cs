using System.Text.Json;
using System.Text.Json.Nodes;

namespace Cds.EpicSandbox;

/// <summary>Out-of-process inspection and control: /_sandbox/...</summary>
internal static class AdminEndpoints
{
    public static void Map(WebApplication app, EpicSandboxServer server)
    {
        var json = EpicSandboxServer.AdminJson;
        app.MapGet("/_sandbox/writes", () => Results.Json(new
        {
            writes = server.State.Writes,
            byIdentifier = server.State.WritesByIdentifier.ToDictionary(kv => kv.Key, kv => new
            {
                received = kv.Value.Count,
                created = kv.Value.Count(w => w.Outcome == WriteOutcome.Created),
                matchedExisting = kv.Value.Count(w => w.Outcome == WriteOutcome.MatchedExisting),
                rejected = kv.Value.Count(w => w.Outcome == WriteOutcome.Rejected),
            }),
        }, json));
        app.MapGet("/_sandbox/requests", () => Results.Json(new { fhir = server.State.FhirRequests, token = server.State.TokenRequests }, json));
        app.MapGet("/_sandbox/faults", () => Results.Json(server.Faults.Rules, json));
        app.MapPost("/_sandbox/faults", async (HttpContext ctx) =>
        {
            FaultRequest? request;
            try
            {
                request = await JsonSerializer.DeserializeAsync<FaultRequest>(ctx.Request.Body, json, ctx.RequestAborted);
            }
            catch (JsonException e)
            {
                return Results.BadRequest(new { error = "invalid fault rule: " + e.Message });
            }

            if (request is null || (request.Status is null && request.DelayMs is null && request.DelayAnswerMs is null && !request.DropConnection))
            {
                return Results.BadRequest(new { error = "a fault needs status, delayMs or dropConnection" });
            }

            var rule = server.Faults.Add(request.ToRule());
            return Results.Json(rule, json, statusCode: 201);
        });
        app.MapDelete("/_sandbox/faults", () =>
        {
            server.Faults.Clear();
            return Results.NoContent();
        });
        app.MapPost("/_sandbox/reset", () =>
        {
            server.Reset();
            return Results.NoContent();
        });
        app.MapPost("/_sandbox/expire-tokens", () =>
        {
            server.ExpireAllAccessTokens();
            return Results.NoContent();
        });
        app.MapGet("/_sandbox/keys/backend-client.jwks", () =>
        {
            var platform = server.Clients.Get(SandboxClients.PlatformClientName);
            return Results.Text(new JsonObject { ["keys"] = new JsonArray(platform.Jwks.Select(k => (JsonNode)k.DeepClone()).ToArray()) }.ToJsonString(), "application/json");
        });
        app.MapGet("/_sandbox/info", () => Results.Json(new
        {
            baseUrl = server.BaseUrl, fhirBaseUrl = server.FhirBaseUrl, tokenEndpoint = server.TokenEndpoint, hookJwksUrl = server.HookJwksUrl,
            environment = server.Settings.Environment.ToString(), dataDirectory = server.DataDirectory, patients = SandboxPatients.Fixtures.Concat(SandboxPatients.Synthea).Append(SandboxPatients.CamilaLopez),
            clients = server.Clients.All.Select(c => new { c.Name, c.NonProdClientId, c.ProdClientId, apis = c.Apis.Select(a => a.EpicName).Order() }),
        }, json));

        // For a hook driver in another process: Epic's side of a hook call, built here.
        app.MapPost("/_sandbox/hooks/fhir-authorization", () => Results.Json(server.MintFhirAuthorization(), json));
        app.MapGet("/_sandbox/hooks/prefetch", (string patient, string? user, string? keys) =>
            Results.Text(Prefetch.Build(server, patient, user, keys?.Split(',', StringSplitOptions.RemoveEmptyEntries)).ToJsonString(), "application/json"));
        app.MapGet("/_sandbox/hooks/encounter", (string patient) => Results.Json(new { encounterId = Prefetch.LatestEncounterId(server, patient) }, json));
        app.MapGet("/_sandbox/hooks/resource/{type}/{id}", (string type, string id) =>
            server.Store.Get(type, id) is { } r ? Results.Text(FhirJson.Serialize(r), "application/fhir+json") : Results.NotFound());
    }
}
