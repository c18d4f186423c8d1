using System.Collections.Concurrent;
using System.Net.Http.Headers;
using Cds.Hooks.Security;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Cds.Hooks.Tests.Security;

/// <summary>
/// A real Kestrel host (127.0.0.1:0) with AddEpicJwtAuthentication and protected endpoints shaped like the CDS Hooks
/// service: POST /cds-services/{id} and /cds-services/{id}/feedback answer the authenticated caller as JSON; GET
/// /cds-services is anonymous. Records log lines and every URL the JWKS HttpClient fetched.
/// </summary>
public sealed class HookAuthTestHost : IAsyncDisposable
{
    private readonly WebApplication _app;

    private HookAuthTestHost(WebApplication app, LogSink logs, FetchRecorder fetches)
    {
        _app = app;
        Logs = logs;
        Fetches = fetches;
    }

    public Uri BaseUrl { get; private set; } = null!;
    public HttpClient Client { get; private set; } = null!;
    public LogSink Logs { get; }
    public FetchRecorder Fetches { get; }
    public IServiceProvider Services => _app.Services;

    public static async Task<HookAuthTestHost> StartAsync(IDictionary<string, string?> settings, Action<IServiceCollection>? services = null)
    {
        var builder = WebApplication.CreateBuilder(new WebApplicationOptions { ContentRootPath = AppContext.BaseDirectory, EnvironmentName = "Testing" });
        builder.Configuration.Sources.Clear(); // only the test's settings (before UseUrls, which writes to it)
        builder.Configuration.AddInMemoryCollection(settings);
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        var logs = new LogSink();
        var fetches = new FetchRecorder();
        builder.Logging.ClearProviders();
        builder.Logging.SetMinimumLevel(LogLevel.Debug);
        builder.Logging.AddProvider(logs);

        services?.Invoke(builder.Services); // e.g. a manual TimeProvider, registered before the defaults
        builder.Services.AddEpicJwtAuthentication(builder.Configuration);
        builder.Services.AddTransient(_ => new FetchRecordingHandler(fetches));
        builder.Services.AddHttpClient(EpicJwtDefaults.JwksHttpClientName).AddHttpMessageHandler<FetchRecordingHandler>();

        var app = builder.Build();
        app.UseStatusCodePages(); // a service that adds bodies to bare status codes must not replace the 401 OperationOutcome
        app.UseAuthentication();
        app.UseAuthorization();
        app.MapGet("/cds-services", () => Results.Ok(new { services = Array.Empty<object>() }));
        app.MapPost("/cds-services/{id}", (HttpContext ctx) => Results.Ok(ctx.GetEpicHookCaller())).RequireEpicJwt();
        app.MapPost("/cds-services/{id}/feedback", (HttpContext ctx) => Results.Ok(new { tenant = ctx.GetTenant() })).RequireEpicJwt();

        var host = new HookAuthTestHost(app, logs, fetches);
        await app.StartAsync();
        var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        host.BaseUrl = new Uri(address.TrimEnd('/') + "/");
        host.Client = new HttpClient { BaseAddress = host.BaseUrl, Timeout = TimeSpan.FromSeconds(30) };
        return host;
    }

    /// <summary>POSTs an (empty) hook request to /cds-services/{serviceId} with the token as Bearer.</summary>
    public async Task<HttpResponseMessage> CallAsync(string? token, string serviceId = "order-select")
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, $"cds-services/{serviceId}")
        {
            Content = new StringContent("{}", System.Text.Encoding.UTF8, "application/json"),
        };
        if (token is not null)
        {
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        }

        return await Client.SendAsync(request);
    }

    public async ValueTask DisposeAsync()
    {
        Client?.Dispose();
        await _app.StopAsync();
        await _app.DisposeAsync();
    }
}

/// <summary>A clock the test moves by hand (JWKS cache intervals without sleeping).</summary>
public sealed class ManualTimeProvider : TimeProvider
{
    private DateTimeOffset _now = DateTimeOffset.UtcNow;

    public override DateTimeOffset GetUtcNow() => _now;

    public void Advance(TimeSpan by) => _now += by;
}

public sealed class LogSink : ILoggerProvider
{
    private readonly ConcurrentQueue<(string Category, LogLevel Level, int EventId, string Message)> _entries = new();

    public IReadOnlyList<(string Category, LogLevel Level, int EventId, string Message)> Entries => _entries.ToArray();

    /// <summary>The reason tags of the "Epic hook JWT refused" log lines (event 4100), in order.</summary>
    public IReadOnlyList<string> RefusalReasons => Entries.Where(e => e.EventId == 4100)
        .Select(e => e.Message["Epic hook JWT refused: ".Length..].Split(' ')[0]).ToList();

    public string AllText => string.Join("\n", Entries.Select(e => e.Message));

    public ILogger CreateLogger(string categoryName) => new Logger(this, categoryName);

    public void Dispose() { }

    private sealed class Logger(LogSink sink, string category) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => true;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter) =>
            sink._entries.Enqueue((category, logLevel, eventId.Id, formatter(state, exception) + (exception is null ? "" : " " + exception)));
    }
}

public sealed class FetchRecorder
{
    private readonly ConcurrentQueue<string> _urls = new();

    public IReadOnlyList<string> Urls => _urls.ToArray();

    internal void Add(string url) => _urls.Enqueue(url);
}

internal sealed class FetchRecordingHandler(FetchRecorder recorder) : DelegatingHandler
{
    protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        recorder.Add(request.RequestUri!.ToString());
        return base.SendAsync(request, cancellationToken);
    }
}
