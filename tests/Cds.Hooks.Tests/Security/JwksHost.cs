using System.Collections.Concurrent;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Cds.Hooks.Tests.Security;

/// <summary>
/// A tiny real Kestrel host on 127.0.0.1:0 that serves JWKS documents at paths the test chooses and records every
/// request it receives (so a test can prove that a URL was never fetched).
/// </summary>
public sealed class JwksHost : IAsyncDisposable
{
    private readonly WebApplication _app;
    private readonly ConcurrentDictionary<string, string> _documents = new(StringComparer.Ordinal);
    private readonly ConcurrentQueue<string> _requests = new();

    private JwksHost(WebApplication app) => _app = app;

    public Uri BaseUrl { get; private set; } = null!;

    /// <summary>Path + query of every request received, in order.</summary>
    public IReadOnlyList<string> Requests => _requests.ToArray();

    public int RequestsTo(string path) => _requests.Count(r => r == path);

    public static async Task<JwksHost> StartAsync()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        builder.Logging.ClearProviders();
        var app = builder.Build();
        var host = new JwksHost(app);
        app.Run(async context =>
        {
            var key = context.Request.Path.Value + context.Request.QueryString.Value;
            host._requests.Enqueue(key);
            if (host._documents.TryGetValue(context.Request.Path.Value ?? "", out var json))
            {
                context.Response.ContentType = "application/json";
                await context.Response.WriteAsync(json);
            }
            else
            {
                context.Response.StatusCode = StatusCodes.Status404NotFound;
            }
        });
        await app.StartAsync();
        var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        host.BaseUrl = new Uri(address.TrimEnd('/') + "/");
        return host;
    }

    /// <summary>Publishes (or replaces) the JWKS at a path; returns its absolute URL.</summary>
    public string Publish(string path, JsonObject jwks)
    {
        _documents[path] = jwks.ToJsonString();
        return Url(path);
    }

    public string PublishRaw(string path, string body)
    {
        _documents[path] = body;
        return Url(path);
    }

    public string Url(string path) => new Uri(BaseUrl, path.TrimStart('/')).ToString();

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }
}
