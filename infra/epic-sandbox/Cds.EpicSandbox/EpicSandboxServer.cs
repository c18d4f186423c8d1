using System.Net;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Cds.EpicSandbox;

/// <summary>A local Epic: FHIR R4 API, SMART Backend Services token endpoint, hook JWKS, admin endpoints. Real Kestrel on loopback.</summary>
public sealed class EpicSandboxServer : IAsyncDisposable
{
    public const string FhirPath = "interconnect-fhir-oauth/api/FHIR/R4/";
    public const string TokenPath = "interconnect-fhir-oauth/oauth2/token";
    public const string HookJwksPath = "interconnect-fhir-oauth/api/epic/2019/Security/Open/PublicKeys/530005/OAuth2";
    internal const string ClientIdItem = "sandbox.clientId";

    private readonly WebApplication _app;
    private readonly HttpClient _jwksHttp = new();

    private EpicSandboxServer(SandboxSettings settings, WebApplication app, ILogger logger)
    {
        Settings = settings;
        State = new SandboxState(settings.MaxRecords);
        _app = app;
        Logger = logger;
        Clients.RegisterDefaults();
        DataDirectory = Store.Seed(settings, logger);
        Search = new SearchEngine(Store, settings);
        Tokens = new TokenService(settings, Clients, () => TokenEndpoint, _jwksHttp, Time);
        Fhir = new FhirApi(this);
        Smart = new SmartAuthorization(this);
        Ehr = new EhrDemo(this);
        Bulk = new BulkExport(this);
    }

    public SandboxSettings Settings { get; }

    /// <summary>The folder the Synthea and Epic-sandbox patients were seeded from (full path); null = fixtures only.</summary>
    public string? DataDirectory { get; }

    /// <summary>http://127.0.0.1:{port}/</summary>
    public Uri BaseUrl { get; private set; } = new("http://127.0.0.1/");

    /// <summary>{BaseUrl}interconnect-fhir-oauth/api/FHIR/R4/ (ends with '/'); the `iss` of hook JWTs.</summary>
    public Uri FhirBaseUrl => new(BaseUrl, FhirPath);

    /// <summary>{BaseUrl}interconnect-fhir-oauth/oauth2/token: the exact `aud` client assertions must carry.</summary>
    public Uri TokenEndpoint => new(BaseUrl, TokenPath);

    /// <summary>The `jku` of Epic's hook JWTs: a JWKS with the RS384 and ES384 hook-signing keys.</summary>
    public Uri HookJwksUrl => new(BaseUrl, HookJwksPath);

    /// <summary>{FhirBaseUrl}.well-known/smart-configuration</summary>
    public Uri SmartConfigurationUrl => new(FhirBaseUrl, ".well-known/smart-configuration");

    /// <summary>The backend client's public JWKS served by the sandbox (register it as a JWK Set URL to test `jku`).</summary>
    public Uri BackendClientJwksUrl => new(BaseUrl, "_sandbox/keys/backend-client.jwks");

    public SandboxState State { get; }

    public FaultInjector Faults { get; } = new();

    public ClientRegistry Clients { get; } = new();

    public HookKeys HookKeys { get; } = new();

    public TimeProvider Time { get; } = TimeProvider.System;

    internal ILogger Logger { get; }

    internal FhirStore Store { get; } = new();

    internal SearchEngine Search { get; }

    internal TokenService Tokens { get; }

    internal FhirApi Fhir { get; }

    internal SmartAuthorization Smart { get; }

    internal EhrDemo Ehr { get; }

    /// <summary>{BaseUrl}interconnect-fhir-oauth/oauth2/authorize: SMART App Launch's authorization endpoint.</summary>
    public Uri AuthorizeEndpoint => new(BaseUrl, SmartAuthorization.AuthorizePath);

    /// <summary>What Epic does when the clinician clicks a SMART link: a launch token for this context (then the app gets <c>?launch=…&amp;iss=…</c>).</summary>
    public string MintLaunchToken(LaunchContext context) => Smart.MintLaunch(context);

    /// <summary>Every access token, refresh token and authorization code issued so far: what must never appear in a page or a log.</summary>
    public IReadOnlyList<string> IssuedSecrets() => [.. Tokens.Issued, .. Smart.IssuedSecrets];

    internal BulkExport Bulk { get; }

    public static async Task<EpicSandboxServer> StartAsync(SandboxSettings? settings = null, CancellationToken ct = default)
    {
        settings ??= new SandboxSettings();
        var builder = WebApplication.CreateSlimBuilder(new WebApplicationOptions { ContentRootPath = AppContext.BaseDirectory });
        builder.Logging.ClearProviders();
        if (settings.ConsoleLogging)
        {
            builder.Logging.AddSimpleConsole(o => o.SingleLine = true).SetMinimumLevel(LogLevel.Information);
            builder.Logging.AddFilter("Microsoft.AspNetCore", LogLevel.Warning);
        }

        builder.WebHost.UseKestrel(o =>
        {
            var address = IPAddress.Parse(settings.Host);
            o.Listen(address, settings.Port);
        });
        var app = builder.Build();
        var logger = app.Services.GetRequiredService<ILoggerFactory>().CreateLogger("EpicSandbox");
        var server = new EpicSandboxServer(settings, app, logger);
        server.MapEndpoints();
        await app.StartAsync(ct);
        var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        var port = new Uri(address.Replace("[::]", "127.0.0.1", StringComparison.Ordinal)).Port;
        server.BaseUrl = new Uri($"http://{settings.Host}:{port}/");
        logger.LogInformation("Epic sandbox listening: FHIR {Fhir} token {Token} ({Environment})", server.FhirBaseUrl, server.TokenEndpoint, settings.Environment);
        return server;
    }

    /// <summary>Waits until the host stops (Ctrl+C in the command).</summary>
    public Task WaitForShutdownAsync(CancellationToken ct = default) => _app.WaitForShutdownAsync(ct);

    /// <summary>Clears records, faults, created resources, issued tokens, used jti values, paging cursors and export jobs.</summary>
    public void Reset()
    {
        State.Reset();
        Faults.Clear();
        Store.RemoveCreated();
        Tokens.Clear();
        Fhir.Searches.ClearPages();
        Bulk.Clear();
        Smart.Clear();
        Ehr.Clear();
    }

    /// <summary>Makes every access token issued so far expired (the next FHIR call with one gets 401).</summary>
    public void ExpireAllAccessTokens() => Tokens.ExpireAll();

    /// <summary>Issues an access token directly (no client assertion), e.g. for tests of other services that do not test the token dance.</summary>
    public string IssueAccessToken(string clientName = SandboxClients.PlatformClientName, IEnumerable<EpicApi>? permissions = null, TimeSpan? lifetime = null)
    {
        var client = Clients.Get(clientName);
        var granted = (permissions ?? client.Apis).ToHashSet();
        return Tokens.Mint(client, client.ClientIdFor(Settings.Environment), granted, Scopes.EpicScopeString(granted),
            lifetime ?? client.AccessTokenLifetime ?? Settings.AccessTokenLifetime, fromHook: false).Token;
    }

    /// <summary>The `fhirAuthorization` block Epic puts in a hook request: a token for the CDS client's registered APIs,
    /// Epic-style scope string, expires_in 300, subject = client id, no `patient`.</summary>
    public JsonObject MintFhirAuthorization(string clientName = SandboxClients.CdsHooksClientName)
    {
        var client = Clients.Get(clientName);
        var apis = client.Apis.ToHashSet();
        var scope = Scopes.EpicScopeString(apis);
        var clientId = client.ClientIdFor(Settings.Environment);
        var (token, _) = Tokens.Mint(client, clientId, apis, scope, Settings.HookAccessTokenLifetime, fromHook: true);
        return new JsonObject
        {
            ["access_token"] = token,
            ["token_type"] = "Bearer",
            ["expires_in"] = (long)Settings.HookAccessTokenLifetime.TotalSeconds,
            ["scope"] = scope,
            ["subject"] = clientId,
        };
    }

    public JsonObject SmartConfiguration() => new()
    {
        ["issuer"] = FhirBaseUrl.ToString(),
        ["token_endpoint"] = TokenEndpoint.ToString(),
        ["authorization_endpoint"] = AuthorizeEndpoint.ToString(),
        ["jwks_uri"] = HookJwksUrl.ToString(),
        ["token_endpoint_auth_methods_supported"] = new JsonArray("private_key_jwt", "client_secret_basic"),
        ["token_endpoint_auth_signing_alg_values_supported"] = new JsonArray("RS384", "ES384"),
        ["grant_types_supported"] = new JsonArray("client_credentials", "authorization_code", "refresh_token"),
        ["response_types_supported"] = new JsonArray("code"),
        ["code_challenge_methods_supported"] = new JsonArray("S256"),
        ["scopes_supported"] = new JsonArray("system/*.read", "system/*.rs", "system/Patient.read", "system/Observation.read", "system/DocumentReference.write",
            "launch", "launch/patient", "openid", "fhirUser", "offline_access", "patient/*.read", "patient/*.rs"),
        ["capabilities"] = new JsonArray("client-confidential-asymmetric", "client-confidential-symmetric", "client-public", "launch-ehr", "launch-standalone",
            "context-ehr-patient", "context-ehr-encounter", "context-standalone-patient", "sso-openid-connect", "permission-offline", "permission-patient",
            "permission-v1", "permission-v2"),
    };

    private void MapEndpoints()
    {
        _app.Use(new FaultsAndRecording(this).InvokeAsync);
        _app.Map("/" + FhirPath + "{**rest}", (HttpContext ctx, string? rest) => Fhir.HandleAsync(ctx, rest ?? ""));
        _app.MapPost("/" + TokenPath, TokenAsync);
        _app.MapGet("/" + SmartAuthorization.AuthorizePath, Smart.AuthorizeAsync);
        _app.MapPost("/" + SmartAuthorization.LoginPath, Smart.LoginAsync);
        Ehr.Map(_app);
        _app.MapGet("/" + HookJwksPath, () => Results.Text(HookKeys.Jwks().ToJsonString(JwtComposer.Relaxed), "application/json"));
        AdminEndpoints.Map(_app, this);
    }

    private async Task TokenAsync(HttpContext ctx)
    {
        var form = new Dictionary<string, string>(StringComparer.Ordinal);
        if (ctx.Request.HasFormContentType)
        {
            foreach (var kv in await ctx.Request.ReadFormAsync(ctx.RequestAborted))
            {
                form[kv.Key] = kv.Value.ToString();
            }
        }

        form.TryGetValue("grant_type", out var grantType);
        var result = grantType is "authorization_code" or "refresh_token" && ctx.Request.HasFormContentType
            ? Smart.Grants.Token(grantType, form, ctx.Request.Headers.Authorization.ToString() is { Length: > 0 } auth ? auth : null)
            : await Tokens.HandleAsync(ctx.Request.ContentType, form, ctx.RequestAborted);
        form.TryGetValue("scope", out var scope);
        State.Add(new TokenRequestRecord(Time.GetUtcNow(), result.ClientId, grantType, result.Algorithm, scope, result.GrantedScope, result.Status,
            (string?)result.Body["error"], (string?)result.Body["error_description"]));
        if (result.ClientId is not null)
        {
            ctx.Items[ClientIdItem] = result.ClientId;
        }

        ctx.Response.StatusCode = result.Status;
        ctx.Response.ContentType = "application/json";
        ctx.Response.Headers.CacheControl = "no-store";
        await ctx.Response.WriteAsync(result.Body.ToJsonString(), ctx.RequestAborted);
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
        _jwksHttp.Dispose();
        HookKeys.Dispose();
    }

    internal static readonly JsonSerializerOptions AdminJson = new(JsonSerializerDefaults.Web)
    {
        Converters = { new System.Text.Json.Serialization.JsonStringEnumConverter() },
        WriteIndented = true,
    };
}
