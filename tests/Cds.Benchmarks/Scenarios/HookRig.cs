using System.Diagnostics;
using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json.Nodes;
using Cds.Benchmarks.Harness;
using Cds.EpicSandbox;
using Cds.Hooks.HookServices;
using Cds.Testing;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;

namespace Cds.Benchmarks.Scenarios;

/// <summary>
/// Everything B1, B6 and the enrichment-scaling figure share, started once per run: the Epic sandbox (in this process:
/// it signs hook JWTs and serves the JWKS), an isolated vhost + schema, the enrichment service, the hooks service with
/// tracing exported (OTLP to a local sink) and without tracing, and the inline baseline — each service its own process
/// (<see cref="PlatformBoot"/>, child processes).
/// </summary>
public sealed class HookRig : IAsyncDisposable
{
    public const string Tenant = "bench";
    public const string ServiceId = HookServiceIds.OrderSelect;
    private static Task<HookRig>? _shared;

    /// <summary>The shared boot (tests/Cds.Testing), each service a child process.</summary>
    private PlatformBoot _boot = null!;
    public IsolatedInfrastructure Infra => _boot.Infra;
    public EpicSandboxServer Sandbox => _boot.Sandbox(Tenant);
    public ServiceProcess Enrichment { get; private set; } = null!;
    public ServiceProcess? Enrichment2 { get; private set; }
    public ServiceProcess HooksTraced { get; private set; } = null!;
    public ServiceProcess HooksUntraced { get; private set; } = null!;
    public ServiceProcess Inline { get; private set; } = null!;
    public ServiceProcess? WriteBack { get; private set; }
    /// <summary>B7's bare endpoint (<see cref="BareHookServer"/>), started on first use.</summary>
    public ServiceProcess? Bare { get; private set; }
    /// <summary>A bare local Kestrel app: OTLP sink for the traced hooks service, and B4's raw GET/POST target.</summary>
    public OtlpSink Sink { get; private set; } = null!;
    public Uri HooksTracedUrl => HooksTraced.Url;
    public Uri HooksUntracedUrl => HooksUntraced.Url;
    public Uri InlineUrl => Inline.Url;
    public HttpClient Http { get; } = new(new SocketsHttpHandler { PooledConnectionLifetime = TimeSpan.FromMinutes(5), MaxConnectionsPerServer = 256 })
    {
        Timeout = TimeSpan.FromSeconds(30),
    };
    private string _template = "";
    private string _templateInstance = "";
    private string _binDir = "";
    public int RequestBytes => Encoding.UTF8.GetByteCount(_template);
    /// <summary>The first non-200 answer seen (status, service, body start), for error messages.</summary>
    public string? FirstFailure { get; private set; }

    /// <summary>The rig of this run (started on first use, disposed by <see cref="DisposeSharedAsync"/>).</summary>
    public static Task<HookRig> GetAsync(CancellationToken ct) => _shared ??= StartAsync(ct);

    public static async Task DisposeSharedAsync()
    {
        if (_shared is { IsCompletedSuccessfully: true } t)
        {
            await t.Result.DisposeAsync();
        }
        _shared = null;
    }

    private static async Task<HookRig> StartAsync(CancellationToken ct)
    {
        var rig = new HookRig();
        try
        {
            await rig.InitAsync(ct);
            return rig;
        }
        catch
        {
            await rig.DisposeAsync();
            throw;
        }
    }

    private async Task InitAsync(CancellationToken ct)
    {
        // Missing infrastructure is an error (it says what to run), not a skip: CI must not pass without the broker.
        _boot = await PlatformBoot.StartAsync(PlatformHosting.ChildProcesses, Tenant);
        _binDir = AppContext.BaseDirectory;

        // The tenant as infra/local/tenants.sandbox.json describes the sandbox, with this run's URLs; aud = our base URL.
        _boot.Tenant(Tenant).Set("Name", "Benchmark tenant (local Epic sandbox)").Set("WriteBack:Enabled", "true")
            .Set("HookAuth:Audiences:0", "http://127.0.0.1/cds-services")
            // The load is one tenant's: the per-tenant rate limit (100/s by default) would measure itself, not the path.
            .Set("RateLimit:PermitsPerSecond", "1000000").Set("RateLimit:Burst", "1000000");
        // Each service process gets a pool of its own; capped so four to five processes under load stay well inside
        // PostgreSQL's max_connections on a server other work shares.
        _boot.Common["ConnectionStrings:Postgres"] = new Npgsql.NpgsqlConnectionStringBuilder(Infra.Postgres) { MaxPoolSize = 12 }.ConnectionString;
        _boot.Common["Logging:LogLevel:Default"] = "Warning";
        // No GC or JIT override: each service runs with its own runtimeconfig, as deployed (the hooks service's
        // settings are chosen by B1's RSS measurement, docs/benchmarks.md).

        var sink = await OtlpSink.StartAsync();
        Sink = sink;

        Enrichment = Start("enrichment-1", PlatformService.Enrichment);
        // The enrichment service creates its queue on start; the hooks services must not publish before it exists.
        await Enrichment.WaitReadyAsync("health/live", TimeSpan.FromSeconds(90), ct);

        HooksTraced = Start("hooks-traced", PlatformService.Hooks, new()
        {
            ["OTEL_TRACES_SAMPLER"] = "always_on",
            ["OTEL_EXPORTER_OTLP_ENDPOINT"] = sink.Url.ToString().TrimEnd('/'),
            ["OTEL_EXPORTER_OTLP_PROTOCOL"] = "http/protobuf",
            ["OTEL_BSP_SCHEDULE_DELAY"] = "1000",
        });
        HooksUntraced = Start("hooks-untraced", PlatformService.Hooks, new() { ["OTEL_TRACES_SAMPLER"] = "always_off" });
        Inline = StartBenchmarkProgram("inline", InlineHookServer.Flag);
        await Task.WhenAll(
            HooksTraced.WaitReadyAsync("health/live", TimeSpan.FromSeconds(90), ct),
            HooksUntraced.WaitReadyAsync("health/live", TimeSpan.FromSeconds(90), ct),
            Inline.WaitReadyAsync("ready", TimeSpan.FromSeconds(90), ct));

        // One order-select request as Epic sends it (prefetch for every key, draftOrders with amoxicillin for a
        // penicillin-allergic patient: the drug-allergy rule fires). Each send gets a fresh hookInstance and JWT.
        var driver = new EpicHookDriver(Sandbox, new Uri(HooksTracedUrl, "cds-services/"));
        var body = driver.BuildOrderSelect(SandboxPatients.PenicillinAllergic, [DraftMedication.Amoxicillin]);
        _templateInstance = body["hookInstance"]!.GetValue<string>();
        _template = body.ToJsonString();
        _driver = driver;
    }

    private EpicHookDriver _driver = null!;

    /// <summary>Starts a second competing enrichment instance (same queue) and waits until it is up.</summary>
    public async Task StartSecondEnrichmentAsync(CancellationToken ct)
    {
        if (Enrichment2 is not null)
        {
            return;
        }
        Enrichment2 = Start("enrichment-2", PlatformService.Enrichment);
        await Enrichment2.WaitReadyAsync("health/live", TimeSpan.FromSeconds(90), ct);
    }

    /// <summary>Starts the write-back service (FeedbackRecorded consumer + the relay subscription) once.</summary>
    public async Task StartWriteBackAsync(CancellationToken ct)
    {
        if (WriteBack is not null)
        {
            return;
        }
        WriteBack = Start("writeback", PlatformService.WriteBack);
        await WriteBack.WaitReadyAsync("health/live", TimeSpan.FromSeconds(90), ct);
    }

    /// <summary>Starts B7's bare endpoint once; returns its base URL.</summary>
    public async Task<Uri> StartBareAsync(CancellationToken ct)
    {
        if (Bare is null)
        {
            Bare = StartBenchmarkProgram("bare", BareHookServer.Flag);
            await Bare.WaitReadyAsync("ready", TimeSpan.FromSeconds(90), ct);
        }
        return Bare.Url;
    }

    public async Task StopSecondEnrichmentAsync()
    {
        if (Enrichment2 is not null)
        {
            await Enrichment2.DisposeAsync();
            Enrichment2 = null;
        }
    }

    /// <summary>A platform service in its own process, keeping only its last lines of output (long runs).</summary>
    private ServiceProcess Start(string name, PlatformService service, Dictionary<string, string?>? extra = null) =>
        _boot.Start(service, extra, name, keepAllOutput: false);

    /// <summary>This program in its own process as one of its baselines (<paramref name="flag"/>), on the same settings.</summary>
    private ServiceProcess StartBenchmarkProgram(string name, string flag) =>
        _boot.StartDll(name, Path.Combine(_binDir, "Cds.Benchmarks.dll"), args: [flag], keepAllOutput: false);

    /// <summary>A ready-to-send request: body with a fresh hookInstance and a freshly signed Epic JWT (signed ahead of the timing).</summary>
    public sealed record PreparedHook(string Body, string Jwt, string HookInstance);

    public PreparedHook[] Prepare(int count)
    {
        var audience = $"http://127.0.0.1/cds-services/{ServiceId}";
        var prepared = new PreparedHook[count];
        for (var i = 0; i < count; i++)
        {
            var instance = Guid.NewGuid().ToString();
            prepared[i] = new PreparedHook(_template.Replace(_templateInstance, instance, StringComparison.Ordinal), _driver.SignHookJwt(audience), instance);
        }
        return prepared;
    }

    /// <summary>POSTs one prepared hook; throws unless 200 with a cards array. Returns the number of cards.</summary>
    public async Task<int> SendAsync(Uri baseUrl, PreparedHook hook, CancellationToken ct) => (await SendForCardsAsync(baseUrl, hook, ct)).Count;

    /// <summary>POSTs one prepared hook; throws unless 200 with a cards array. Returns the cards.</summary>
    public async Task<JsonArray> SendForCardsAsync(Uri baseUrl, PreparedHook hook, CancellationToken ct)
    {
        using var message = new HttpRequestMessage(HttpMethod.Post, new Uri(baseUrl, $"cds-services/{ServiceId}"))
        {
            Content = new StringContent(hook.Body, Encoding.UTF8, "application/json"),
        };
        message.Headers.Authorization = new AuthenticationHeaderValue("Bearer", hook.Jwt);
        using var response = await Http.SendAsync(message, ct);
        var text = await response.Content.ReadAsStringAsync(ct);
        if (response.StatusCode != HttpStatusCode.OK)
        {
            var failure = $"HTTP {(int)response.StatusCode} from {baseUrl}: {(text.Length > 300 ? text[..300] : text)}";
            FirstFailure ??= failure;
            throw new InvalidOperationException(failure);
        }
        return JsonNode.Parse(text)?["cards"]?.AsArray() ?? throw new InvalidOperationException("no cards array");
    }

    /// <summary>POSTs Epic-shaped feedback for one card (signed like Epic, aud = the service URL).</summary>
    public async Task SendFeedbackAsync(Uri baseUrl, string cardUuid, string outcome, CancellationToken ct)
    {
        var body = _driver.BuildFeedback(cardUuid, outcome, FeedbackShape.Epic, overrideReasonCode: "benefit-outweighs-risk",
            overrideReasonDisplay: "Benefit outweighs risk");
        using var message = new HttpRequestMessage(HttpMethod.Post, new Uri(baseUrl, $"cds-services/{ServiceId}/feedback"))
        {
            Content = new StringContent(body.ToJsonString(), Encoding.UTF8, "application/json"),
        };
        message.Headers.Authorization = new AuthenticationHeaderValue("Bearer", _driver.SignHookJwt($"http://127.0.0.1/cds-services/{ServiceId}"));
        using var response = await Http.SendAsync(message, ct);
        if (!response.IsSuccessStatusCode)
        {
            throw new InvalidOperationException($"feedback: HTTP {(int)response.StatusCode}");
        }
    }

    public async ValueTask DisposeAsync()
    {
        // The services first (the traced hooks service exports to the sink until it stops), then the sink.
        if (_boot is not null)
        {
            await _boot.DisposeAsync();
        }
        if (Sink is not null)
        {
            await Sink.DisposeAsync();
        }
        Http.Dispose();
    }
}

/// <summary>An OTLP/HTTP endpoint that accepts and discards exports, so "tracing on" pays the real export cost on loopback.</summary>
public sealed class OtlpSink : IAsyncDisposable
{
    private WebApplication _app = null!;
    public Uri Url { get; private set; } = null!;
    public long Exports;

    public static async Task<OtlpSink> StartAsync()
    {
        var sink = new OtlpSink();
        var port = ServiceProcess.FreePort();
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.UseUrls($"http://127.0.0.1:{port}");
        var app = builder.Build();
        app.MapGet("/ready", () => Results.Ok());
        app.MapPost("/{**path}", async (HttpContext http) =>
        {
            await http.Request.Body.CopyToAsync(Stream.Null);
            Interlocked.Increment(ref sink.Exports);
            http.Response.ContentType = "application/x-protobuf";
            return Results.Ok();
        });
        await app.StartAsync();
        sink._app = app;
        sink.Url = new Uri($"http://127.0.0.1:{port}/");
        return sink;
    }

    public async ValueTask DisposeAsync() => await _app.DisposeAsync();
}
