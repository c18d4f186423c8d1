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
/// tracing exported (OTLP to a local sink) and without tracing, and the inline baseline — each service its own process.
/// </summary>
public sealed class HookRig : IAsyncDisposable
{
    public const string Tenant = "bench";
    public const string ServiceId = HookServiceIds.OrderSelect;
    private static Task<HookRig>? _shared;

    private readonly List<IAsyncDisposable> _owned = [];
    public IsolatedInfrastructure Infra { get; private set; } = null!;
    public EpicSandboxServer Sandbox { get; private set; } = null!;
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
    public Uri HooksTracedUrl { get; private set; } = null!;
    public Uri HooksUntracedUrl { get; private set; } = null!;
    public Uri InlineUrl { get; private set; } = null!;
    public HttpClient Http { get; } = new(new SocketsHttpHandler { PooledConnectionLifetime = TimeSpan.FromMinutes(5), MaxConnectionsPerServer = 256 })
    {
        Timeout = TimeSpan.FromSeconds(30),
    };
    private string _template = "";
    private string _templateInstance = "";
    private Dictionary<string, string> _serviceEnvironment = [];
    private string _binDir = "";
    public int RequestBytes => Encoding.UTF8.GetByteCount(_template);
    /// <summary>The first non-200 answer seen (status, service, body start), for error messages.</summary>
    public string? FirstFailure { get; private set; }

    /// <summary>The rig of this run (started on first use, disposed by <see cref="DisposeSharedAsync"/>).</summary>
    public static Task<HookRig> GetAsync(BenchContext context, CancellationToken ct) => _shared ??= StartAsync(context, ct);

    public static async Task DisposeSharedAsync()
    {
        if (_shared is { IsCompletedSuccessfully: true } t)
        {
            await t.Result.DisposeAsync();
        }
        _shared = null;
    }

    private static async Task<HookRig> StartAsync(BenchContext context, CancellationToken ct)
    {
        var rig = new HookRig();
        try
        {
            await rig.InitAsync(context, ct);
            return rig;
        }
        catch
        {
            await rig.DisposeAsync();
            throw;
        }
    }

    private static string ServiceDll(string repoRoot, string project)
    {
        foreach (var config in new[] { "Release", "Debug" })
        {
            var dll = Path.Combine(repoRoot, "services", project, "bin", config, "net10.0", project + ".dll");
            if (File.Exists(dll))
            {
                return dll;
            }
        }
        throw new FileNotFoundException($"services/{project} is not built: build tests/Cds.Benchmarks (it references it) first.");
    }

    private async Task InitAsync(BenchContext context, CancellationToken ct)
    {
        Infra = await BenchContext.IsolatedAsync();
        Sandbox = await EpicSandboxServer.StartAsync(ct: ct);
        _binDir = AppContext.BaseDirectory;

        // Hook JWT settings the way a tenant configures them: iss = the sandbox FHIR base, jku allowlist, aud = our base URL.
        _serviceEnvironment = new Dictionary<string, string>
        {
            // Each service process gets a pool of its own; capped so four to five processes under load stay well inside
            // PostgreSQL's max_connections on a server other work shares.
            ["ConnectionStrings__Postgres"] = new Npgsql.NpgsqlConnectionStringBuilder(Infra.Postgres) { MaxPoolSize = 12 }.ConnectionString,
            ["ConnectionStrings__RabbitMq"] = Infra.RabbitMq,
            ["EventStore__Schema"] = Infra.Schema,
            ["HookAuth__ReplaySchema"] = Infra.Schema + "_jti",
            // The tenant as infra/local/tenants.sandbox.json describes the sandbox, with this run's URLs.
            [$"Tenants__{Tenant}__Name"] = "Benchmark tenant (local Epic sandbox)",
            [$"Tenants__{Tenant}__Environment"] = "NonProduction",
            [$"Tenants__{Tenant}__FhirBaseUrl"] = Sandbox.FhirBaseUrl.ToString(),
            [$"Tenants__{Tenant}__Backend__NonProdClientId"] = SandboxClients.NonProdClientId,
            [$"Tenants__{Tenant}__Backend__ProdClientId"] = SandboxClients.ProdClientId,
            [$"Tenants__{Tenant}__Backend__PrivateKeyPath"] = Path.Combine(context.RepoRoot, "infra", "epic-sandbox", "keys", "backend-client-rs384.private.pem"),
            [$"Tenants__{Tenant}__Backend__KeyId"] = SandboxClients.KeyId,
            [$"Tenants__{Tenant}__Backend__Scopes__0"] = "system/Patient.rs",
            [$"Tenants__{Tenant}__Backend__Scopes__1"] = "system/MedicationRequest.rs",
            [$"Tenants__{Tenant}__Backend__Scopes__2"] = "system/Medication.rs",
            [$"Tenants__{Tenant}__Backend__Scopes__3"] = "system/AllergyIntolerance.rs",
            [$"Tenants__{Tenant}__Backend__Scopes__4"] = "system/Condition.rs",
            [$"Tenants__{Tenant}__Backend__Scopes__5"] = "system/Observation.rs",
            [$"Tenants__{Tenant}__Backend__Scopes__6"] = "system/DocumentReference.c",
            [$"Tenants__{Tenant}__WriteBack__Enabled"] = "true",
            [$"Tenants__{Tenant}__HookAuth__Issuers__0"] = Sandbox.FhirBaseUrl.ToString(),
            [$"Tenants__{Tenant}__HookAuth__JkuAllowlist__0"] = Sandbox.HookJwksUrl.ToString(),
            [$"Tenants__{Tenant}__HookAuth__Audiences__0"] = "http://127.0.0.1/cds-services",
            [$"Tenants__{Tenant}__HookAuth__ClientId"] = SandboxClients.CdsHooksClientId,
            // The load is one tenant's: the per-tenant rate limit (100/s by default) would measure itself, not the path.
            [$"Tenants__{Tenant}__RateLimit__PermitsPerSecond"] = "1000000",
            [$"Tenants__{Tenant}__RateLimit__Burst"] = "1000000",
            ["Logging__LogLevel__Default"] = "Warning",
            ["DOTNET_ENVIRONMENT"] = "Production",
            ["ASPNETCORE_ENVIRONMENT"] = "Production",
            // No GC or JIT override: each service runs with its own runtimeconfig, as deployed (the hooks service's
            // settings are chosen by B1's RSS measurement, docs/benchmarks.md).
        };

        var sink = await OtlpSink.StartAsync();
        _owned.Add(sink);
        Sink = sink;

        var enrichmentDll = ServiceDll(context.RepoRoot, "Cds.Enrichment");
        var hooksDll = ServiceDll(context.RepoRoot, "Cds.Hooks");
        Enrichment = StartEnrichment(enrichmentDll, "enrichment-1");
        // The enrichment service creates its queue on start; the hooks services must not publish before it exists.
        await Enrichment.WaitReadyAsync(new Uri(EnrichmentUrl(Enrichment), "health/live"), TimeSpan.FromSeconds(90), ct);

        var tracedPort = ServiceProcess.FreePort();
        HooksTracedUrl = new Uri($"http://127.0.0.1:{tracedPort}/");
        HooksTraced = Start("hooks-traced", hooksDll, tracedPort, new()
        {
            ["OTEL_TRACES_SAMPLER"] = "always_on",
            ["OTEL_EXPORTER_OTLP_ENDPOINT"] = sink.Url.ToString().TrimEnd('/'),
            ["OTEL_EXPORTER_OTLP_PROTOCOL"] = "http/protobuf",
            ["OTEL_BSP_SCHEDULE_DELAY"] = "1000",
        });
        var untracedPort = ServiceProcess.FreePort();
        HooksUntracedUrl = new Uri($"http://127.0.0.1:{untracedPort}/");
        HooksUntraced = Start("hooks-untraced", hooksDll, untracedPort, new() { ["OTEL_TRACES_SAMPLER"] = "always_off" });
        var inlinePort = ServiceProcess.FreePort();
        InlineUrl = new Uri($"http://127.0.0.1:{inlinePort}/");
        Inline = Start("inline", Path.Combine(_binDir, "Cds.Benchmarks.dll"), inlinePort, [], [InlineHookServer.Flag]);
        await Task.WhenAll(
            HooksTraced.WaitReadyAsync(new Uri(HooksTracedUrl, "health/live"), TimeSpan.FromSeconds(90), ct),
            HooksUntraced.WaitReadyAsync(new Uri(HooksUntracedUrl, "health/live"), TimeSpan.FromSeconds(90), ct),
            Inline.WaitReadyAsync(new Uri(InlineUrl, "ready"), TimeSpan.FromSeconds(90), ct));

        // One order-select request as Epic sends it (prefetch for every key, draftOrders with amoxicillin for a
        // penicillin-allergic patient: the drug-allergy rule fires). Each send gets a fresh hookInstance and JWT.
        var driver = new EpicHookDriver(Sandbox, new Uri(HooksTracedUrl, "cds-services/"));
        var body = driver.BuildOrderSelect(SandboxPatients.PenicillinAllergic, [DraftMedication.Amoxicillin]);
        _templateInstance = body["hookInstance"]!.GetValue<string>();
        _template = body.ToJsonString();
        _driver = driver;
    }

    private EpicHookDriver _driver = null!;

    private Uri EnrichmentUrl(ServiceProcess p) => _enrichmentUrls[p];
    private readonly Dictionary<ServiceProcess, Uri> _enrichmentUrls = [];

    private ServiceProcess StartEnrichment(string dll, string name)
    {
        var port = ServiceProcess.FreePort();
        var p = Start(name, dll, port, []);
        _enrichmentUrls[p] = new Uri($"http://127.0.0.1:{port}/");
        return p;
    }

    /// <summary>Starts a second competing enrichment instance (same queue) and waits until it is up.</summary>
    public async Task StartSecondEnrichmentAsync(BenchContext context, CancellationToken ct)
    {
        if (Enrichment2 is not null)
        {
            return;
        }
        Enrichment2 = StartEnrichment(ServiceDll(context.RepoRoot, "Cds.Enrichment"), "enrichment-2");
        await Enrichment2.WaitReadyAsync(new Uri(EnrichmentUrl(Enrichment2), "health/live"), TimeSpan.FromSeconds(90), ct);
    }

    /// <summary>Starts the write-back service (FeedbackRecorded consumer + the relay subscription) once.</summary>
    public async Task StartWriteBackAsync(BenchContext context, CancellationToken ct)
    {
        if (WriteBack is not null)
        {
            return;
        }
        var port = ServiceProcess.FreePort();
        WriteBack = Start("writeback", ServiceDll(context.RepoRoot, "Cds.WriteBack"), port, []);
        await WriteBack.WaitReadyAsync(new Uri($"http://127.0.0.1:{port}/health/live"), TimeSpan.FromSeconds(90), ct);
    }

    /// <summary>Starts B7's bare endpoint once; returns its base URL.</summary>
    public async Task<Uri> StartBareAsync(CancellationToken ct)
    {
        var port = ServiceProcess.FreePort();
        var url = new Uri($"http://127.0.0.1:{port}/");
        if (Bare is null)
        {
            Bare = Start("bare", Path.Combine(_binDir, "Cds.Benchmarks.dll"), port, [], [BareHookServer.Flag]);
            await Bare.WaitReadyAsync(new Uri(url, "ready"), TimeSpan.FromSeconds(90), ct);
            _bareUrl = url;
        }
        return _bareUrl!;
    }

    private Uri? _bareUrl;

    public async Task StopSecondEnrichmentAsync()
    {
        if (Enrichment2 is not null)
        {
            _owned.Remove(Enrichment2);
            await Enrichment2.DisposeAsync();
            Enrichment2 = null;
        }
    }

    private ServiceProcess Start(string name, string dll, int port, Dictionary<string, string> extra, string[]? args = null)
    {
        var env = new Dictionary<string, string>(_serviceEnvironment) { ["ASPNETCORE_URLS"] = $"http://127.0.0.1:{port}" };
        foreach (var (k, v) in extra)
        {
            env[k] = v;
        }
        var child = ServiceProcess.Start(name, dll, port, env, args, keepAllOutput: false);
        _owned.Add(child);
        return child;
    }

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
        for (var i = _owned.Count - 1; i >= 0; i--)
        {
            await _owned[i].DisposeAsync();
        }
        if (Sandbox is not null)
        {
            await Sandbox.DisposeAsync();
        }
        if (Infra is not null)
        {
            // The jti replay table lives in a schema of its own.
            try
            {
                await using var connection = new Npgsql.NpgsqlConnection(Infra.Postgres);
                await connection.OpenAsync();
                await using var drop = new Npgsql.NpgsqlCommand($"drop schema if exists \"{Infra.Schema}_jti\" cascade", connection);
                await drop.ExecuteNonQueryAsync();
            }
            catch (Npgsql.NpgsqlException)
            {
            }
            await Infra.DisposeAsync();
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
