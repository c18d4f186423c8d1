using System.Collections.Concurrent;
using System.Net;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Cds.EpicSandbox.Tests;

/// <summary>A stand-in CDS service on real Kestrel: records what "Epic" sent and answers with one card.</summary>
public sealed class FakeCdsService : IAsyncDisposable
{
    public sealed record Received(string Path, string? Authorization, JsonObject Body);

    private readonly WebApplication _app;

    public ConcurrentQueue<Received> Requests { get; } = new();

    public Uri ServicesBaseUrl { get; private set; } = null!;

    /// <summary>Changes the one card before it is sent (e.g. to break a CDS Hooks rule on purpose).</summary>
    public Action<JsonObject>? BreakCard { get; set; }

    private FakeCdsService(WebApplication app) => _app = app;

    public static async Task<FakeCdsService> StartAsync()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.UseKestrel(o => o.Listen(IPAddress.Loopback, 0));
        var app = builder.Build();
        var service = new FakeCdsService(app);
        app.MapPost("/cds-services/{**rest}", async (HttpContext ctx, string rest) =>
        {
            var body = (await JsonNode.ParseAsync(ctx.Request.Body))!.AsObject();
            service.Requests.Enqueue(new Received(rest, ctx.Request.Headers.Authorization.ToString(), body));
            if (rest.EndsWith("/feedback", StringComparison.Ordinal))
            {
                return Results.Ok();
            }

            var card = new JsonObject
            {
                ["uuid"] = "8d5f7c0e-1111-4c6e-9d2a-000000000001",
                ["summary"] = "Fake card for " + (string?)body["hook"],
                ["indicator"] = "warning",
                ["source"] = new JsonObject { ["label"] = "fake" },
                ["suggestions"] = new JsonArray(new JsonObject { ["label"] = "do it", ["uuid"] = "8d5f7c0e-2222-4c6e-9d2a-000000000002" }),
                ["selectionBehavior"] = "any", // required with suggestions (CDS Hooks 2.0 req 93)
            };
            service.BreakCard?.Invoke(card);
            return Results.Text(new JsonObject { ["cards"] = new JsonArray(card) }.ToJsonString(), "application/json");
        });
        await app.StartAsync();
        var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        service.ServicesBaseUrl = new Uri(new Uri(address), "/cds-services/");
        return service;
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }
}
