using System.Text.Json;
using Cds.Contracts;
using Cds.Hooks.HookServices;
using Microsoft.Extensions.Options;

namespace Cds.Hooks;

public static class HookEndpoints
{
    public static IEndpointRouteBuilder MapCdsHooks(this IEndpointRouteBuilder app)
    {
        app.MapGet("/cds-services", (CdsServiceCatalog catalog) => Results.Json(new
        {
            services = catalog.All.Select(s => new
            {
                hook = s.Hook,
                id = s.Id,
                title = s.Title,
                description = s.Description,
                prefetch = s.Prefetch,
                usageRequirements = s.UsageRequirements,
            }),
        }, CdsJson.Options));

        app.MapPost("/cds-services/{id}", InvokeAsync);
        return app;
    }

    private static async Task<IResult> InvokeAsync(string id, HttpRequest http, CdsServiceCatalog catalog, HookPipeline pipeline,
        IOptions<HookOptions> options, IConfiguration configuration, CancellationToken ct)
    {
        var service = catalog.Find(id);
        if (service is null)
        {
            return Problem(StatusCodes.Status404NotFound, "not-found", "id", $"No CDS service '{id}' here; GET /cds-services lists them.");
        }

        using var body = await JsonDocument.ParseAsync(http.Body, cancellationToken: ct);
        var root = body.RootElement;
        var context = root.GetProperty("context");
        var invocation = new HookInvocation
        {
            Tenant = configuration["Hooks:DefaultTenant"] ?? "default",
            Service = service,
            HookInstance = root.GetProperty("hookInstance").GetString()!,
            PatientId = context.GetProperty("patientId").GetString()!,
            UserId = context.TryGetProperty("userId", out var user) ? user.GetString() : null,
            EncounterId = context.TryGetProperty("encounterId", out var enc) ? enc.GetString() : null,
        };
        var answer = await pipeline.RunAsync(invocation, ct);
        return Results.Json(new { cards = answer.Cards }, CdsJson.Options);
    }

    private static IResult Problem(int status, string code, string expression, string diagnostics) =>
        Results.Json(new
        {
            resourceType = "OperationOutcome",
            issue = new[] { new { severity = "error", code, diagnostics, expression = new[] { expression } } },
        }, CdsJson.Options, "application/fhir+json", status);
}
