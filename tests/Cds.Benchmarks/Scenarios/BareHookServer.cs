using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;

namespace Cds.Benchmarks.Scenarios;

/// <summary>
/// B7's baseline, the machine's limit for this request: a bare Kestrel endpoint that reads the whole hook body with
/// System.Text.Json and answers one fixed card — no JWT check, no validation, no rules, no bus, no store. Started as a
/// child process like <see cref="InlineHookServer"/>: <c>Cds.Benchmarks.dll --serve-bare</c>.
/// </summary>
public static class BareHookServer
{
    public const string Flag = "--serve-bare";

    private static readonly byte[] Card = """
        {"cards":[{"uuid":"00000000-0000-0000-0000-000000000001","summary":"Hello from a bare endpoint","indicator":"info","source":{"label":"bare"}}]}
        """u8.ToArray();

    public static async Task<int> RunAsync(string[] args)
    {
        var builder = WebApplication.CreateSlimBuilder(args.Where(a => a != Flag).ToArray());
        builder.Logging.ClearProviders();
        var app = builder.Build();
        app.MapGet("/ready", () => Results.Ok());
        app.MapPost("/cds-services/{id}", async (HttpContext http, CancellationToken ct) =>
        {
            using var body = await JsonDocument.ParseAsync(http.Request.Body, cancellationToken: ct);
            if (!body.RootElement.TryGetProperty("hookInstance", out _))
            {
                return Results.BadRequest();
            }
            return Results.Bytes(Card, "application/json");
        });
        await app.RunAsync();
        return 0;
    }
}
