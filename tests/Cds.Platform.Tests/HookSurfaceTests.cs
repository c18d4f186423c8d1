using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Cds.EpicSandbox;
using Cds.EventStore;
using Marten;

namespace Cds.Platform.Tests;

/// <summary>The CDS Hooks surface over HTTP as Epic meets it: errors, idempotency, feedback, CORS.</summary>
public sealed class HookSurfaceTests(PlatformFixture platform) : IClassFixture<PlatformFixture>
{
    [Fact]
    public async Task Unknown_service_is_404_with_an_OperationOutcome()
    {
        var driver = platform.Driver();
        using var response = await driver.SendAsync("no-such-service", driver.BuildPatientView(SandboxPatients.NoData));
        await AssertOutcome(response, HttpStatusCode.NotFound);
    }

    [Fact]
    public async Task Wrong_content_type_is_415()
    {
        using var client = platform.Hooks.CreateClient();
        using var request = new HttpRequestMessage(HttpMethod.Post, "/cds-services/cds-patient-view")
        {
            Content = new StringContent("hook=patient-view", Encoding.UTF8, "application/x-www-form-urlencoded"),
        };
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", platform.Driver().SignHookJwt("http://localhost/cds-services"));
        using var response = await client.SendAsync(request);
        await AssertOutcome(response, HttpStatusCode.UnsupportedMediaType);
    }

    [Fact]
    public async Task Without_an_Epic_JWT_the_call_is_401_and_nothing_is_recorded()
    {
        using var client = platform.Hooks.CreateClient();
        var body = platform.Driver().BuildPatientView(SandboxPatients.Type2DiabeticHighA1c);
        using var response = await client.PostAsync("/cds-services/cds-patient-view", new StringContent(body.ToJsonString(), Encoding.UTF8, "application/json"));
        var outcome = await AssertOutcome(response, HttpStatusCode.Unauthorized);
        Assert.Contains("\"login\"", outcome);
        await AssertNothingStored(body["hookInstance"]!.GetValue<string>());
    }

    public static TheoryData<string, string> BadBodies => new()
    {
        { "malformed", "{\"hook\": \"patient-view\", " },
        { "not an object", "[1,2,3]" },
        { "wrong types", "{\"hook\": 5, \"hookInstance\": [], \"context\": \"x\"}" },
        { "missing context", "{\"hook\": \"patient-view\", \"hookInstance\": \"BADINPUT\"}" },
        { "deep nesting", "{\"hook\":\"patient-view\",\"hookInstance\":\"BADINPUT\",\"context\":" + new string('[', 300) + new string(']', 300) + "}" },
        { "wrong hook", "{\"hook\": \"order-sign\", \"hookInstance\": \"BADINPUT\", \"context\": {\"patientId\": \"p\", \"userId\": \"Practitioner/x\"}}" },
    };

    [Theory]
    [MemberData(nameof(BadBodies))]
    public async Task Bad_input_gets_400_with_an_OperationOutcome_and_nothing_is_stored(string _, string body)
    {
        using var response = await PostRaw("cds-patient-view", body);
        await AssertOutcome(response, HttpStatusCode.BadRequest);
        await AssertNothingStored("BADINPUT");
    }

    [Fact]
    public async Task An_order_hook_without_draftOrders_is_a_configuration_fault_not_a_500()
    {
        var driver = platform.Driver();
        var request = driver.BuildOrderSign(SandboxPatients.PenicillinAllergic, [DraftMedication.Parse("amoxicillin")], new HookOptions { IncludeDraftOrders = false });
        using var response = await driver.SendAsync("cds-order-sign", request);
        var outcome = await AssertOutcome(response, HttpStatusCode.BadRequest);
        Assert.Contains("draftOrders", outcome);
        await AssertNothingStored(request["hookInstance"]!.GetValue<string>());
    }

    [Fact]
    public async Task Oversized_body_is_413()
    {
        var padding = new string('x', 9 * 1024 * 1024);
        using var response = await PostRaw("cds-patient-view", $"{{\"hook\":\"patient-view\",\"hookInstance\":\"BIG\",\"pad\":\"{padding}\"}}");
        await AssertOutcome(response, HttpStatusCode.RequestEntityTooLarge);
    }

    [Fact]
    public async Task A_required_prefetch_key_nobody_can_provide_is_412()
    {
        await using var strict = platform.Hooks.WithWebHostBuilder(b => b.UseSetting("Hooks:RequiredPrefetch:cds-order-select:0", "allergies"));
        var http = strict.CreateClient();
        var driver = new EpicHookDriver(platform.Sandbox, new Uri(http.BaseAddress!, "cds-services/"), http);
        var request = driver.BuildOrderSelect(SandboxPatients.PenicillinAllergic, [DraftMedication.Parse("amoxicillin")],
            new HookOptions { PrefetchKeys = ["patient"], IncludeFhirAuthorization = false });
        using var response = await driver.SendAsync("cds-order-select", request);
        var outcome = await AssertOutcome(response, HttpStatusCode.PreconditionFailed);
        Assert.Contains("prefetch.allergies", outcome);
    }

    [Fact]
    public async Task A_replayed_JWT_on_a_new_hook_is_401_with_an_OperationOutcome_and_nothing_is_recorded()
    {
        // The jti is registered with the hook's record (one round trip): the second use of the token is refused there.
        var driver = platform.Driver();
        var http = platform.Hooks.CreateClient();
        var url = new Uri(http.BaseAddress!, "cds-services/cds-patient-view");
        var jwt = driver.SignHookJwt(url.ToString());
        async Task<(HttpResponseMessage Response, string HookInstance)> PostAsync()
        {
            var request = driver.BuildPatientView(SandboxPatients.NoData);
            using var message = new HttpRequestMessage(HttpMethod.Post, url) { Content = new StringContent(request.ToJsonString(), Encoding.UTF8, "application/json") };
            message.Headers.Authorization = new AuthenticationHeaderValue("Bearer", jwt);
            return (await http.SendAsync(message), request["hookInstance"]!.GetValue<string>());
        }

        var (first, _) = await PostAsync();
        var (replayed, replayedInstance) = await PostAsync();

        Assert.Equal(HttpStatusCode.OK, first.StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, replayed.StatusCode);
        Assert.Equal("Bearer", replayed.Headers.WwwAuthenticate.ToString());
        using var outcome = JsonDocument.Parse(await replayed.Content.ReadAsStringAsync());
        Assert.Equal("OperationOutcome", outcome.RootElement.GetProperty("resourceType").GetString());
        await using var session = platform.Store.QuerySession(PlatformFixture.Tenant);
        Assert.Empty(await session.Events.FetchStreamAsync(replayedInstance));
    }

    [Fact]
    public async Task A_repeated_hookInstance_returns_the_stored_answer_and_fans_out_nothing_new()
    {
        var driver = platform.Driver();
        var request = driver.BuildOrderSelect(SandboxPatients.PenicillinAllergic, [DraftMedication.Parse("amoxicillin")]);
        var hookInstance = request["hookInstance"]!.GetValue<string>();
        using var first = await driver.SendAsync("cds-order-select", request);
        var firstBody = await first.Content.ReadAsStringAsync();
        using var second = await driver.SendAsync("cds-order-select", request);
        Assert.Equal(HttpStatusCode.OK, second.StatusCode);
        Assert.Equal(CardIds(firstBody), CardIds(await second.Content.ReadAsStringAsync()));
        Assert.NotEmpty(CardIds(firstBody));

        await using var session = platform.Store.QuerySession(PlatformFixture.Tenant);
        var events = await session.Events.FetchStreamAsync(hookInstance);
        Assert.Single(events, e => e.Data is HookReceived);
        Assert.Single(events, e => e.Data is EnrichmentCompleted);
    }

    [Fact]
    public async Task Feedback_in_Epic_and_spec_shapes_is_recorded_once_on_the_hook_that_issued_the_card()
    {
        var driver = platform.Driver();
        var request = driver.BuildOrderSelect(SandboxPatients.PenicillinAllergic, [DraftMedication.Parse("amoxicillin")]);
        var hookInstance = request["hookInstance"]!.GetValue<string>();
        using var response = await driver.SendAsync("cds-order-select", request);
        var card = JsonNode.Parse(await response.Content.ReadAsStringAsync())!["cards"]!.AsArray()
            .First(c => (string?)c!["source"]!["topic"]!["code"] == "CDSDRUGALLERGY")!;
        var cardId = card["uuid"]!.GetValue<string>();

        var epic = driver.BuildFeedback(cardId, "overridden", FeedbackShape.Epic);
        for (var i = 0; i < 3; i++) // Epic repeats feedback
        {
            using var fb = await driver.SendFeedbackAsync("cds-order-select", epic);
            Assert.Equal(HttpStatusCode.OK, fb.StatusCode);
        }
        using (var spec = await driver.SendFeedbackAsync("cds-order-select", driver.BuildFeedback(cardId, "accepted", FeedbackShape.Spec)))
        {
            Assert.Equal(HttpStatusCode.OK, spec.StatusCode);
        }

        await using var session = platform.Store.QuerySession(PlatformFixture.Tenant);
        var feedback = (await session.Events.FetchStreamAsync(hookInstance)).Select(e => e.Data).OfType<FeedbackReceived>().ToList();
        Assert.Equal(2, feedback.Count);
        Assert.Contains(feedback, f => f.Outcome == "overridden" && f.PatientId == SandboxPatients.PenicillinAllergic && f.TopicCode == "CDSDRUGALLERGY");
        Assert.Contains(feedback, f => f.Outcome == "accepted");
        var timeline = await session.LoadAsync<HookTimeline>(hookInstance);
        Assert.Equal(2, timeline!.Feedback.Count);
    }

    [Fact]
    public async Task Feedback_for_a_card_we_never_issued_is_kept_as_unmatched()
    {
        var driver = platform.Driver();
        using var fb = await driver.SendFeedbackAsync("cds-order-select", driver.BuildFeedback("not-our-card-1234", "overridden", FeedbackShape.Epic));
        Assert.Equal(HttpStatusCode.OK, fb.StatusCode);
        await using var session = platform.Store.QuerySession(PlatformFixture.Tenant);
        Assert.Contains(await session.Query<UnmatchedFeedback>().ToListAsync(), u => u.CardId == "not-our-card-1234");
    }

    [Theory]
    [InlineData("Hooks:RateLimit")] // every tenant's default
    [InlineData("Tenants:" + PlatformFixture.Tenant + ":RateLimit")] // the tenant's own limit over a generous default
    public async Task A_tenant_over_its_rate_limit_gets_429_with_an_OperationOutcome(string section)
    {
        await using var limited = platform.Hooks.WithWebHostBuilder(b =>
        {
            b.UseSetting(section + ":PermitsPerSecond", "1");
            b.UseSetting(section + ":Burst", "2");
        });
        var http = limited.CreateClient();
        var driver = new EpicHookDriver(platform.Sandbox, new Uri(http.BaseAddress!, "cds-services/"), http);
        var statuses = new List<HttpStatusCode>();
        for (var i = 0; i < 4; i++)
        {
            using var response = await driver.SendAsync("no-such-service", driver.BuildPatientView(SandboxPatients.NoData));
            statuses.Add(response.StatusCode);
            if (response.StatusCode == HttpStatusCode.TooManyRequests)
            {
                await AssertOutcome(response, HttpStatusCode.TooManyRequests);
                Assert.True(response.Headers.Contains("Retry-After"));
            }
        }
        Assert.Equal(HttpStatusCode.NotFound, statuses[0]);
        Assert.Contains(HttpStatusCode.TooManyRequests, statuses);
    }

    [Fact]
    public async Task CORS_answers_only_configured_origins()
    {
        await using var cors = platform.Hooks.WithWebHostBuilder(b => b.UseSetting("Hooks:CorsOrigins:0", "https://sandbox.cds-hooks.org"));
        using var client = cors.CreateClient();
        foreach (var (origin, allowed) in new[] { ("https://sandbox.cds-hooks.org", true), ("https://evil.example", false) })
        {
            using var preflight = new HttpRequestMessage(HttpMethod.Options, "/cds-services/cds-patient-view");
            preflight.Headers.Add("Origin", origin);
            preflight.Headers.Add("Access-Control-Request-Method", "POST");
            preflight.Headers.Add("Access-Control-Request-Headers", "authorization,content-type");
            using var response = await client.SendAsync(preflight);
            Assert.Equal(allowed, response.Headers.Contains("Access-Control-Allow-Origin"));
        }
    }

    private async Task<HttpResponseMessage> PostRaw(string service, string body)
    {
        using var client = platform.Hooks.CreateClient();
        using var request = new HttpRequestMessage(HttpMethod.Post, $"/cds-services/{service}")
        {
            Content = new StringContent(body, Encoding.UTF8, "application/json"),
        };
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", platform.Driver().SignHookJwt("http://localhost/cds-services"));
        return await client.SendAsync(request);
    }

    private static async Task<string> AssertOutcome(HttpResponseMessage response, HttpStatusCode expected)
    {
        Assert.Equal(expected, response.StatusCode);
        Assert.Equal("application/fhir+json", response.Content.Headers.ContentType?.MediaType);
        var body = await response.Content.ReadAsStringAsync();
        using var doc = JsonDocument.Parse(body);
        Assert.Equal("OperationOutcome", doc.RootElement.GetProperty("resourceType").GetString());
        Assert.NotEmpty(doc.RootElement.GetProperty("issue").EnumerateArray());
        return body;
    }

    private async Task AssertNothingStored(string hookInstance)
    {
        await using var session = platform.Store.QuerySession(PlatformFixture.Tenant);
        Assert.Null(await session.Events.FetchStreamStateAsync(hookInstance));
        Assert.Null(await session.LoadAsync<HookTimeline>(hookInstance));
    }

    private static List<string> CardIds(string body)
    {
        Cds.Testing.CdsHooksAssert.ValidResponse(body);
        return [.. JsonNode.Parse(body)!["cards"]!.AsArray().Select(c => c!["uuid"]!.GetValue<string>())];
    }
}
