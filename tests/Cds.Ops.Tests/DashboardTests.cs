using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Cds.EventStore.RuleOutcomes;
using Cds.Ops.Dashboard;
using Cds.Testing;
using Marten;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Playwright;

namespace Cds.Ops.Tests;

/// <summary>
/// The dashboard on a real port over real RabbitMQ, PostgreSQL and the Epic sandbox: seeded hooks, a queue with a
/// message in its error queue, one good tenant and one broken.
/// </summary>
public sealed class DashboardFixture : IAsyncLifetime
{
    public const string User = "ops";
    public const string Password = "s3cret-dashboard";
    public const string ApiKey = "ops-api-key-0123456789";
    public const string ErrorQueue = "enrichment-evaluate-hook_error";

    public IsolatedInfrastructure Infra { get; } = new();
    public OpsSandboxFixture Sandbox { get; } = new();
    public DocumentStore Store { get; private set; } = null!;
    public WebApplication App { get; private set; } = null!;
    public Uri BaseUrl { get; private set; } = null!;
    public string SeededHook { get; } = Guid.NewGuid().ToString();

    public async Task InitializeAsync()
    {
        await Infra.InitializeAsync();
        await Sandbox.InitializeAsync();
        Store = IsolatedEventStore.Open(Infra.Postgres, Infra.Schema);
        await Store.Storage.ApplyAllConfiguredChangesToDatabaseAsync(); // as `schema apply` does before the dashboard starts
        var now = DateTimeOffset.UtcNow;
        await Seed.AppendHookAsync(Store, "sandbox", SeededHook, now.AddMinutes(-2), 180, withWriteBack: true);
        await Seed.AppendHookAsync(Store, "sandbox", Guid.NewGuid().ToString(), now.AddMinutes(-1), 420, withFeedback: false);
        await Seed.AppendHookAsync(Store, "sandbox", Guid.NewGuid().ToString(), now.AddSeconds(-20), 95, hook: "patient-view", withFeedback: false);

        await StoreOutcomeAsync(overridden: 5, reasons: new() { ["patienttolerated"] = 3, ["benefitoutweighsrisk"] = 2 });
        await using (var session = Store.LightweightSession("other-health"))
        {
            // Silent mode on another tenant: the panel covers every tenant.
            session.Store(new RuleOutcomeDay
            {
                Id = RuleOutcomeKey.Of("cds-order-select", "renal-dosing", "1.0.0", now), ServiceId = "cds-order-select", RuleId = "renal-dosing",
                RuleVersion = "1.0.0", Day = RuleOutcomeKey.DayOf(now), Fired = 1, Shown = 1, Silenced = 4,
            });
            await session.SaveChangesAsync();
        }

        await using (var connection = await Amqp.ConnectAsync(Infra.RabbitMq))
        {
            await Amqp.DeclareAsync(connection, "enrichment-evaluate-hook", ErrorQueue);
            await Amqp.PublishAsync(connection, ErrorQueue, "{}", "err-1");
        }

        var settings = Settings(withCredential: true);
        App = Cds.Ops.OpsHost.BuildDashboard(["--urls", "http://127.0.0.1:0"], settings);
        await App.StartAsync();
        var address = App.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        BaseUrl = new Uri(address.Replace("[::]", "127.0.0.1", StringComparison.Ordinal) + "/");
    }

    /// <summary>Today's drug-allergy outcome document, as the rule outcome projection writes it.</summary>
    public async Task StoreOutcomeAsync(long overridden, Dictionary<string, long> reasons)
    {
        var now = DateTimeOffset.UtcNow;
        await using var session = Store.LightweightSession("sandbox");
        session.Store(new RuleOutcomeDay
        {
            Id = RuleOutcomeKey.Of("cds-order-select", "drug-allergy", "1.0.0", now), ServiceId = "cds-order-select", RuleId = "drug-allergy",
            RuleVersion = "1.0.0", Day = RuleOutcomeKey.DayOf(now), Fired = 8, Shown = 8, Accepted = 2, Overridden = overridden, OverrideReasons = reasons,
        });
        await session.SaveChangesAsync();
    }

    public Dictionary<string, string?> Settings(bool withCredential)
    {
        var settings = Sandbox.Tenant("sandbox");
        foreach (var kv in Sandbox.Tenant("down", s => s["Tenants:down:FhirBaseUrl"] = "http://127.0.0.1:1/interconnect-fhir-oauth/api/FHIR/R4/"))
        {
            settings[kv.Key] = kv.Value;
        }
        settings["ConnectionStrings:Postgres"] = Infra.Postgres;
        settings["ConnectionStrings:RabbitMq"] = Infra.RabbitMq;
        settings["ConnectionStrings:RabbitMqManagement"] = Infra.Endpoints.RabbitMqManagement.ToString();
        settings["EventStore:Schema"] = Infra.Schema;
        settings["Ops:RefreshSeconds"] = "1";
        if (withCredential)
        {
            settings["Ops:DashboardUser"] = User;
            settings["Ops:DashboardPassword"] = Password;
            settings["Ops:ApiKey"] = ApiKey;
        }
        return settings;
    }

    public HttpClient Client(string? scheme = null, string? parameter = null)
    {
        var client = new HttpClient { BaseAddress = BaseUrl, Timeout = TimeSpan.FromSeconds(60) };
        if (scheme is not null)
        {
            client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue(scheme, parameter);
        }
        return client;
    }

    public static string Basic(string user, string password) => Convert.ToBase64String(Encoding.UTF8.GetBytes($"{user}:{password}"));

    public async Task DisposeAsync()
    {
        await App.DisposeAsync();
        Store.Dispose();
        await Sandbox.DisposeAsync();
        await Infra.DisposeAsync();
    }
}

public sealed class DashboardTests(DashboardFixture fixture) : IClassFixture<DashboardFixture>
{
    [Theory]
    [InlineData(null, null)]
    [InlineData("Basic", "wrong")]
    [InlineData("Bearer", "not-the-key")]
    public async Task Refuses_without_the_credential(string? scheme, string? parameter)
    {
        if (parameter == "wrong")
        {
            parameter = DashboardFixture.Basic(DashboardFixture.User, "wrong-password");
        }
        using var client = fixture.Client(scheme, parameter);
        foreach (var path in new[] { "", "api/state" })
        {
            using var response = await client.GetAsync(path);
            Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
            Assert.Contains(response.Headers.WwwAuthenticate, h => h.Scheme == "Basic");
            Assert.DoesNotContain("enrichment", await response.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        }
    }

    [Fact]
    public async Task Health_stays_open_for_probes()
    {
        using var client = fixture.Client();
        using var response = await client.GetAsync("health/live");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
    }

    [Fact]
    public async Task The_bearer_key_and_basic_credential_both_open_the_state()
    {
        using var bearer = fixture.Client("Bearer", DashboardFixture.ApiKey);
        using var page = await bearer.GetAsync("");
        Assert.Equal(HttpStatusCode.OK, page.StatusCode);
        Assert.Contains("CDS platform", await page.Content.ReadAsStringAsync(), StringComparison.Ordinal);

        using var basic = fixture.Client("Basic", DashboardFixture.Basic(DashboardFixture.User, DashboardFixture.Password));
        // The management API's counters lag by a few seconds.
        var state = await Eventually.ReadUntilAsync(() => basic.GetFromJsonAsync<JsonElement>("api/state"),
            s => s.GetProperty("queues").GetProperty("errorMessages").GetInt64() == 1, interval: TimeSpan.FromMilliseconds(500));

        var queues = state.GetProperty("queues");
        Assert.Equal(fixture.Infra.VirtualHost, queues.GetProperty("virtualHost").GetString());
        Assert.Equal(1, queues.GetProperty("errorMessages").GetInt64());
        Assert.Contains(queues.GetProperty("queues").EnumerateArray(), q => q.GetProperty("name").GetString() == DashboardFixture.ErrorQueue && q.GetProperty("isErrorQueue").GetBoolean());

        var all = state.GetProperty("hooks").GetProperty("stats").EnumerateArray().Single(s => s.GetProperty("hook").GetString() == "all");
        Assert.True(all.GetProperty("count").GetInt32() >= 3);
        Assert.Equal(420, all.GetProperty("maxMs").GetDouble());
        Assert.Contains(state.GetProperty("hooks").GetProperty("recent").EnumerateArray(), h => h.GetProperty("hookInstance").GetString() == fixture.SeededHook);

        var writeBacks = state.GetProperty("writeBacks");
        Assert.Equal("write-back", writeBacks.GetProperty("source").GetString());
        Assert.Contains(writeBacks.GetProperty("items").EnumerateArray(), w => w.GetProperty("detail").GetString()!.Contains("Epic id eDocRef123", StringComparison.Ordinal));

        var tenants = state.GetProperty("tenants").EnumerateArray().ToDictionary(t => t.GetProperty("tenant").GetString()!, t => t.GetProperty("healthy").GetBoolean());
        Assert.True(tenants["sandbox"]);
        Assert.False(tenants["down"]);

        var rules = state.GetProperty("rules").GetProperty("rules").EnumerateArray().ToDictionary(r => r.GetProperty("ruleId").GetString()!);
        Assert.Equal(8, rules["drug-allergy"].GetProperty("fired").GetInt64());
        Assert.Equal(4, rules["renal-dosing"].GetProperty("silent").GetInt64());
        Assert.Equal("patienttolerated", rules["drug-allergy"].GetProperty("overrideReasons")[0].GetProperty("code").GetString());
        Assert.Empty(state.GetProperty("population").GetProperty("runs").EnumerateArray());
    }

    [Fact]
    public async Task Without_a_configured_credential_every_request_is_refused()
    {
        var settings = fixture.Settings(withCredential: false);
        // the management URI then comes from CDS_RABBITMQ_MANAGEMENT (infra/local/up.sh) or the AMQP URI
        settings.Remove("ConnectionStrings:RabbitMqManagement");
        await using var app = Cds.Ops.OpsHost.BuildDashboard(["--urls", "http://127.0.0.1:0"], settings);
        await app.StartAsync();
        var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        using var client = new HttpClient { BaseAddress = new Uri(address + "/") };
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Basic", DashboardFixture.Basic("", ""));
        using var response = await client.GetAsync("api/state");
        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        Assert.Contains("no dashboard credential is configured", await response.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        await app.StopAsync();
    }

    [Fact]
    public async Task Shows_the_live_state_in_headless_chromium()
    {
        using var playwright = await Playwright.CreateAsync();
        await using var browser = await HeadlessChromium.LaunchAsync(playwright);

        // Without the credential the browser gets the 401.
        await using (var anonymous = await browser.NewContextAsync())
        {
            var refused = await anonymous.APIRequest.GetAsync(fixture.BaseUrl + "api/state");
            Assert.Equal(401, refused.Status);
        }

        await using var context = await browser.NewContextAsync(new BrowserNewContextOptions
        {
            HttpCredentials = new HttpCredentials { Username = DashboardFixture.User, Password = DashboardFixture.Password },
            ViewportSize = new ViewportSize { Width = 1500, Height = 1000 },
        });
        var page = await context.NewPageAsync();
        var response = await page.GotoAsync(fixture.BaseUrl.ToString());
        Assert.Equal(200, response!.Status);
        await page.WaitForSelectorAsync("body[data-loaded=true]", new PageWaitForSelectorOptions { Timeout = 30_000 });

        // queues and the error queue (the management API's counters lag: the page polls every second)
        await page.Locator("#queues tr.err-row").Filter(new LocatorFilterOptions { HasText = DashboardFixture.ErrorQueue })
            .WaitForAsync(new LocatorWaitForOptions { Timeout = 30_000 });
        Assert.Contains("1 in error queues", await page.InnerTextAsync("#error-total"), StringComparison.Ordinal);

        // hooks: rate, latency, recent calls
        Assert.True(int.Parse(await page.InnerTextAsync("#kpi-count"), System.Globalization.CultureInfo.InvariantCulture) >= 3);
        Assert.Contains(fixture.SeededHook, await page.InnerTextAsync("#recent-hooks"), StringComparison.Ordinal);
        Assert.Contains("order-select", await page.InnerTextAsync("#hook-stats"), StringComparison.Ordinal);

        // write-backs and tenant health
        Assert.Contains("Epic id eDocRef123", await page.InnerTextAsync("#writebacks"), StringComparison.Ordinal);
        await page.Locator("#tenants td.pass").First.WaitForAsync(new LocatorWaitForOptions { Timeout = 30_000 });
        var tenants = await page.InnerTextAsync("#tenants");
        Assert.Matches(@"sandbox\s+token\s+PASS", tenants);
        Assert.Matches(@"down\s+smart-configuration\s+FAIL", tenants);

        // live: a hook appended now shows up without a reload
        var fresh = Guid.NewGuid().ToString();
        await Seed.AppendHookAsync(fixture.Store, "sandbox", fresh, DateTimeOffset.UtcNow, 250, withFeedback: false);
        await page.Locator("#recent-hooks").GetByText(fresh).WaitForAsync(new LocatorWaitForOptions { Timeout = 15_000 });

        // rule outcomes: per-rule bars and the override reasons, live from the projection's documents
        var allergy = page.Locator("#rules [data-rule=drug-allergy]");
        await allergy.WaitForAsync(new LocatorWaitForOptions { Timeout = 15_000 });
        Assert.Equal("8", await allergy.Locator("[data-kind=fired] .count").InnerTextAsync());
        Assert.Equal("2", await allergy.Locator("[data-kind=accepted] .count").InnerTextAsync());
        Assert.Equal("0", await allergy.Locator("[data-kind=silent] .count").InnerTextAsync());
        Assert.Contains("patienttolerated ×3, benefitoutweighsrisk ×2", await allergy.Locator(".reasons").InnerTextAsync(), StringComparison.Ordinal);
        var renal = page.Locator("#rules [data-rule=renal-dosing]");
        Assert.Equal("4", await renal.Locator("[data-kind=silent] .count").InnerTextAsync());
        Assert.Contains("no override reasons", await renal.Locator(".reasons").InnerTextAsync(), StringComparison.Ordinal);
        // the fill is drawn to scale: 8 of 8 fired is the full track, 2 accepted a quarter of it
        var fired = await allergy.Locator("[data-kind=fired] .fill").EvaluateAsync<double>("e => e.getBoundingClientRect().width");
        var accepted = await allergy.Locator("[data-kind=accepted] .fill").EvaluateAsync<double>("e => e.getBoundingClientRect().width");
        Assert.InRange(accepted / fired, 0.2, 0.3);

        // live: one more override arrives in the projection and the bar and the reasons follow without a reload
        await fixture.StoreOutcomeAsync(overridden: 6, reasons: new() { ["patienttolerated"] = 3, ["benefitoutweighsrisk"] = 2, ["(none)"] = 1 });
        await allergy.Locator("[data-kind=overridden] .count").GetByText("6", new LocatorGetByTextOptions { Exact = true })
            .WaitForAsync(new LocatorWaitForOptions { Timeout = 15_000 });
        Assert.Contains("(none) ×1", await allergy.Locator(".reasons").InnerTextAsync(), StringComparison.Ordinal);

        await HeadlessChromium.ScreenshotAsync(page, "dashboard.png");
    }
}

public sealed class DashboardUnitTests
{
    private static readonly OpsSettings Both = new() { DashboardUser = "u", DashboardPassword = "p", ApiKey = "k" };

    [Theory]
    [InlineData("Basic dTpw", true)]          // u:p
    [InlineData("basic dTpw", true)]
    [InlineData("Bearer k", true)]
    [InlineData("Basic dTp4", false)]         // u:x
    [InlineData("Basic eDpw", false)]         // x:p
    [InlineData("Basic !!!", false)]
    [InlineData("Bearer K", false)]
    [InlineData("Bearer", false)]
    [InlineData("Digest u", false)]
    [InlineData("", false)]
    public void Credential_check(string header, bool expected) =>
        Assert.Equal(expected, DashboardAuthMiddleware.IsAuthorized(Both, header));

    [Fact]
    public void Nothing_configured_accepts_nothing()
    {
        Assert.False(DashboardAuthMiddleware.IsAuthorized(new OpsSettings(), "Basic Og==")); // ":"
        Assert.False(DashboardAuthMiddleware.IsAuthorized(new OpsSettings(), "Bearer "));
        Assert.False(DashboardAuthMiddleware.IsAuthorized(new OpsSettings { DashboardUser = "u" }, "Basic dTo=")); // "u:"
    }

    [Fact]
    public void Percentiles_are_nearest_rank()
    {
        var values = Enumerable.Range(1, 100).Select(i => (double)i).ToList();
        Assert.Equal(50, Timeline.OpsEventStore.Percentile(values, 0.50));
        Assert.Equal(95, Timeline.OpsEventStore.Percentile(values, 0.95));
        Assert.Equal(7, Timeline.OpsEventStore.Percentile([7], 0.95));
        Assert.Null(Timeline.OpsEventStore.Percentile([], 0.5));
    }

    [Theory]
    [InlineData("enrichment-evaluate-hook", "enrichment-evaluate-hook_error")]
    [InlineData("enrichment-evaluate-hook_error", "enrichment-evaluate-hook_error")]
    public void Error_queue_names(string given, string expected) => Assert.Equal(expected, Rabbit.ErrorQueueMover.ErrorQueueName(given));

    [Theory]
    [InlineData("MT-Fault-Message", true)]
    [InlineData("MT-Fault-StackTrace", true)]
    [InlineData("MT-Reason", true)]
    [InlineData("MT-Host-MachineName", false)]
    [InlineData("Content-Type", false)]
    public void Fault_headers(string name, bool expected) => Assert.Equal(expected, Rabbit.ErrorQueueMover.IsFaultHeader(name));
}
