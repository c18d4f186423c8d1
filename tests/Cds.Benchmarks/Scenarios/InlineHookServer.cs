using Cds.Rules;
using Cds.Hooks.HookServices;
using Cds.Hooks.Prefetch;
using Cds.Hooks.Requests;
using Cds.Hooks.Security;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Cds.Benchmarks.Scenarios;

/// <summary>
/// B1's raw baseline: the synchronous design other CDS services use. A bare Kestrel endpoint that runs the same Epic JWT
/// check (the platform's EpicJwt scheme, JWKS cache and jti replay store), reads and validates the request with the same
/// reader, builds the patient context from prefetch and evaluates the same rules inline — no bus, no event store.
/// Started as a child process: <c>Cds.Benchmarks.dll --serve-inline</c>, configured like the hooks service (environment).
/// </summary>
public static class InlineHookServer
{
    public const string Flag = "--serve-inline";

    public static async Task<int> RunAsync(string[] args)
    {
        var builder = WebApplication.CreateSlimBuilder(args.Where(a => a != Flag).ToArray());
        builder.Logging.ClearProviders();
        builder.Logging.AddConsole();
        builder.Logging.SetMinimumLevel(LogLevel.Warning);
        builder.Services.AddSingleton(new CdsServiceCatalog(HookServiceIds.All));
        builder.Services.AddSingleton(RuleSetLoader.LoadDefault());
        builder.Services.AddEpicJwtAuthentication(builder.Configuration);
        builder.Services.AddHookRequestReading(builder.Configuration);
        builder.Services.AddAuthorization();

        var app = builder.Build();
        app.UseAuthentication();
        app.UseAuthorization();
        app.MapGet("/ready", () => Results.Ok());
        app.MapPost("/cds-services/{id}", async (string id, HttpContext http, CdsServiceCatalog catalog, RuleSet rules,
            IOptions<HookRequestReaderOptions> readerOptions, CancellationToken ct) =>
        {
            var service = catalog.Find(id);
            if (service is null)
            {
                return Results.NotFound();
            }
            var read = await HookRequestReader.ReadAsync(http.Request.Body, service.Hook, readerOptions.Value, ct);
            if (!read.Succeeded)
            {
                return read.ToProblemResult();
            }
            var request = read.Request!;
            var now = DateTimeOffset.UtcNow;
            var (context, _) = PrefetchContext.Build(request.ContextData.PatientId, request.Prefetch, PrefetchSet.Empty, [], service.Prefetch, now);
            var outcomes = RuleEngine.Evaluate(rules, new RuleInput
            {
                Hook = service.Hook,
                Context = context,
                DraftMedications = request.ContextData.DraftOrders?.Medications ?? [],
                Now = now,
                CardSeed = $"{http.User.FindFirst(EpicJwtDefaults.TenantClaim)?.Value}/{request.HookInstance}",
            });
            return CdsHookResponse.From(outcomes.Select(o => o.Card)).ToResult();
        }).RequireEpicJwt();
        await app.RunAsync();
        return 0;
    }
}
