using System.Net;
using System.Text.Json.Nodes;
using Cds.EpicSandbox;

namespace Cds.Hooks.Tests.Security;

/// <summary>The local Epic sandbox as the caller: its hook driver signs exactly like Epic and serves the jku JWKS.</summary>
public sealed class EpicSandboxFixture : IAsyncLifetime
{
    public const string Tenant = "sandbox";
    public ReplaySchema Schema { get; } = new();
    public EpicSandboxServer Epic { get; private set; } = null!;
    public HookAuthTestHost Host { get; private set; } = null!;
    public EpicHookDriver Driver { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        Epic = await EpicSandboxServer.StartAsync();
        Host = await StartHostAsync();
        // The host under test echoes the caller (a JWT test host, not a CDS service): no CDS Hooks answer to check.
        Driver = new EpicHookDriver(Epic, new Uri(Host.BaseUrl, "cds-services/")) { Strict = false };
    }

    /// <summary>A hook service host configured for the sandbox tenant (a fresh JWKS cache each time).</summary>
    public Task<HookAuthTestHost> StartHostAsync(Action<HookAuthSettings>? tweak = null)
    {
        // The aud Epic sends is the URL typed in by the health system; here, the real URL of the host under test.
        var settings = new HookAuthSettings(Schema.Name).Tenant(Tenant, [Epic.FhirBaseUrl.ToString()], [Epic.HookJwksUrl.ToString()],
            audiences: ["http://127.0.0.1/cds-services", "http://localhost/cds-services"], clientId: SandboxClients.CdsHooksClientId);
        tweak?.Invoke(settings);
        return HookAuthTestHost.StartAsync(settings.Build());
    }

    public async Task DisposeAsync()
    {
        await Host.DisposeAsync();
        await Epic.DisposeAsync();
        await Schema.DisposeAsync();
    }
}

public sealed class EpicSandboxHookJwtTests(EpicSandboxFixture f) : IClassFixture<EpicSandboxFixture>
{
    private static readonly JsonObject Body = new() { ["hook"] = "patient-view" };

    /// <summary>Audience as configured for the tenant (the host's port is dynamic, so aud uses the configured base).</summary>
    private static void ConfiguredAud(JwtOverrides o, string service) => o.Aud = $"http://127.0.0.1/cds-services/{service}";

    private Task<HttpResponseMessage> SendAsync(string service, Action<JwtOverrides>? tweak = null) =>
        f.Driver.SendAsync(service, Body.DeepClone().AsObject(), o =>
        {
            ConfiguredAud(o, service);
            tweak?.Invoke(o);
        });

    private static async Task<JsonNode> CallerAsync(HttpResponseMessage response)
    {
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        return JsonNode.Parse(await response.Content.ReadAsStringAsync())!;
    }

    [Fact]
    public async Task An_Epic_RS384_hook_jwt_from_the_sandbox_is_accepted_and_names_the_tenant()
    {
        var caller = await CallerAsync(await SendAsync("order-select"));
        Assert.Equal(EpicSandboxFixture.Tenant, (string?)caller["tenant"]);
        Assert.Equal(f.Epic.FhirBaseUrl.ToString(), (string?)caller["issuer"]);
        Assert.Equal(SandboxClients.CdsHooksClientId, (string?)caller["subject"]);
        Assert.False(string.IsNullOrEmpty((string?)caller["jti"]));
        Assert.All(f.Host.Fetches.Urls, u => Assert.Equal(f.Epic.HookJwksUrl.ToString(), u));
        Assert.Contains('+', f.Epic.HookKeys.Rs384Kid + f.Epic.HookKeys.Es384Kid); // Epic-style kids really are standard base64
    }

    [Fact]
    public async Task An_ES384_hook_jwt_from_the_sandbox_is_accepted()
    {
        var caller = await CallerAsync(await SendAsync("patient-view", o => o.Alg = "ES384"));
        Assert.Equal(EpicSandboxFixture.Tenant, (string?)caller["tenant"]);
    }

    [Fact]
    public async Task The_driver_default_aud_is_the_service_url_and_the_base_form_works_too()
    {
        // Without tweaks the driver signs aud = the URL it calls (http://127.0.0.1:{port}/cds-services/patient-view).
        await using var host = await f.StartHostAsync(s => s.Set($"Tenants:{EpicSandboxFixture.Tenant}:HookAuth:Audiences:0", new Uri(f.Host.BaseUrl, "cds-services").ToString()));
        var driver = new EpicHookDriver(f.Epic, new Uri(host.BaseUrl, "cds-services/")) { Strict = false };
        var wrongHostAud = await driver.SendAsync("patient-view", Body.DeepClone().AsObject());
        Assert.Equal(HttpStatusCode.Unauthorized, wrongHostAud.StatusCode); // aud names f.Host's port, not this host's

        await using var right = await f.StartHostAsync();
        var rightDriver = new EpicHookDriver(f.Epic, new Uri(right.BaseUrl, "cds-services/")) { Strict = false };
        rightDriver.Audience = "http://127.0.0.1/cds-services/"; // the base URL form, with its trailing slash
        Assert.Equal(HttpStatusCode.OK, (await rightDriver.SendAsync("patient-view", Body.DeepClone().AsObject())).StatusCode);
    }

    [Fact]
    public async Task Feedback_from_the_sandbox_is_accepted()
    {
        f.Driver.Audience = null;
        var response = await f.Driver.SendFeedbackAsync("order-select", new JsonObject { ["feedback"] = new JsonArray() });
        // The driver's default aud is the feedback URL of f.Host (port-specific): not configured, so refused...
        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        // ...while the configured service URL is accepted on the feedback path.
        var ok = await f.Driver.SendAsync("order-select/feedback", new JsonObject(), o => o.Aud = "http://127.0.0.1/cds-services/order-select");
        Assert.Equal(HttpStatusCode.OK, ok.StatusCode);
    }

    [Theory]
    [InlineData("none", "alg-not-allowed")]
    [InlineData("HS256", "alg-not-allowed")]
    [InlineData("HS384", "alg-not-allowed")]
    [InlineData("PS384", "alg-not-allowed")]
    [InlineData("tamper", "bad-signature")]
    [InlineData("expired", "expired")]
    [InlineData("future-nbf", "not-yet-valid")]
    [InlineData("wrong-sub", "wrong-subject")]
    [InlineData("wrong-iss", "unknown-issuer")]
    [InlineData("no-jti", "missing-jti")]
    [InlineData("unknown-kid", "unknown-kid")]
    public async Task Sandbox_attacks_are_refused(string attack, string reason)
    {
        Action<JwtOverrides> tweak = attack switch
        {
            "none" or "HS256" or "HS384" or "PS384" => o => o.Alg = attack,
            "tamper" => o => o.TamperSignature = true,
            "expired" => o => o.Iat = DateTimeOffset.UtcNow.AddMinutes(-17),
            "future-nbf" => o => o.Nbf = DateTimeOffset.UtcNow.AddMinutes(3),
            "wrong-sub" => o => o.Sub = SandboxClients.NonProdClientId,
            "wrong-iss" => o => o.Iss = "https://fhir.other-org.example/api/FHIR/R4/",
            "no-jti" => o => o.Omit.Add("jti"),
            _ => o => o.Kid = "bm90LWEta2V5+ZZ==",
        };
        var response = await SendAsync("order-select", tweak);
        await Refusals.AssertUnauthorizedAsync(response, reason);
        Assert.Contains(reason, f.Host.Logs.RefusalReasons);
    }

    [Fact]
    public async Task A_jku_on_the_sandbox_host_but_off_the_allowlist_is_never_fetched()
    {
        // A real JWKS, same host, but not the allow-listed URL: the backend client's keys.
        var offList = f.Epic.BackendClientJwksUrl.ToString();
        var response = await SendAsync("order-select", o => o.Jku = offList);
        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        Assert.Contains("jku-not-allowed", f.Host.Logs.RefusalReasons);
        Assert.DoesNotContain(offList, f.Host.Fetches.Urls);
    }

    [Fact]
    public async Task A_replayed_sandbox_jwt_is_refused()
    {
        var jti = Guid.NewGuid().ToString();
        Assert.Equal(HttpStatusCode.OK, (await SendAsync("order-select", o => o.Jti = jti)).StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, (await SendAsync("order-select", o => o.Jti = jti)).StatusCode);
        Assert.Contains("replay", f.Host.Logs.RefusalReasons);
    }

    [Fact]
    public async Task A_failing_or_slow_jwks_endpoint_refuses_the_call_quickly()
    {
        await using var host = await f.StartHostAsync(s => s.Set("HookAuth:JwksFetchTimeout", "00:00:01"));
        var driver = new EpicHookDriver(f.Epic, new Uri(host.BaseUrl, "cds-services/")) { Strict = false };
        var rule = f.Epic.Faults.Status(503, resourceType: "jwks", times: 1);
        try
        {
            var r503 = await driver.SendAsync("order-select", Body.DeepClone().AsObject(), o => ConfiguredAud(o, "order-select"));
            Assert.Equal(HttpStatusCode.Unauthorized, r503.StatusCode);
        }
        finally
        {
            f.Epic.Faults.Remove(rule);
        }

        await using var slowHost = await f.StartHostAsync(s => s.Set("HookAuth:JwksFetchTimeout", "00:00:01"));
        var slowDriver = new EpicHookDriver(f.Epic, new Uri(slowHost.BaseUrl, "cds-services/")) { Strict = false };
        // Epic holds the JWKS for 20 s: the 1 s fetch timeout must answer long before (a bound far from the failure mode,
        // so a loaded machine cannot flake it).
        var slow = f.Epic.Faults.Delay(TimeSpan.FromSeconds(20), resourceType: "jwks", times: 1);
        try
        {
            var started = System.Diagnostics.Stopwatch.StartNew();
            var timedOut = await slowDriver.SendAsync("order-select", Body.DeepClone().AsObject(), o => ConfiguredAud(o, "order-select"));
            Assert.Equal(HttpStatusCode.Unauthorized, timedOut.StatusCode);
            Assert.InRange(started.Elapsed, TimeSpan.Zero, TimeSpan.FromSeconds(10));
        }
        finally
        {
            f.Epic.Faults.Remove(slow);
        }

        Assert.Equal(["jwks-unavailable"], host.Logs.RefusalReasons);
        Assert.Equal(["jwks-unavailable"], slowHost.Logs.RefusalReasons);
        Assert.Contains(slowHost.Logs.Entries, e => e.EventId == 4102 && e.Message.Contains("timeout", StringComparison.Ordinal));
    }
}
