using System.Net;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json.Nodes;
using System.Web;
using Cds.EpicSandbox;
using Cds.Fhir.Smart;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.IdentityModel.Tokens;

namespace Cds.Smart.Tests;

/// <summary>The launches end to end over HTTP against the sandbox, and every refusal the issue asks for.</summary>
public sealed class SmartLaunchTests(SmartFixture f) : IClassFixture<SmartFixture>
{
    [Fact]
    public async Task Ehr_launch_from_the_card_link_shows_the_live_facts_the_rule_used_and_the_hooks_timeline()
    {
        using var browser = new EhrBrowser();
        var (status, body, url) = await browser.EhrLaunchAsync(f, f.Renal.Patient, f.Linked(f.Renal));

        Assert.Equal(HttpStatusCode.OK, status);
        Assert.Equal("/smart/card", url.AbsolutePath);
        Assert.Contains("Kidney", body, StringComparison.Ordinal);                       // the patient, read with the user's token
        Assert.Matches("<tr class=used><td>Lab result</td><td>eGFR</td><td>25 mL/min/1.73m2</td><td>\\d{4}-\\d{2}-\\d{2}</td>", body);
        Assert.Matches("<td>Medication</td><td>[^<]*[Mm]etformin[^<]*</td><td>active</td>", body);   // the active order, via its Medication
        Assert.Contains("renal-dosing, version 1.0.0", body, StringComparison.Ordinal);
        Assert.Contains("<th>threshold</th><td>30</td>", body, StringComparison.Ordinal);
        Assert.Contains("cards-returned", body, StringComparison.Ordinal);
        Assert.Contains("feedback-received", body, StringComparison.Ordinal);
        Assert.Contains("Epic id eDocRefRenal1", body, StringComparison.Ordinal);
        Assert.DoesNotContain("<script", body, StringComparison.OrdinalIgnoreCase);
        // The user's token read the chart: patient-scoped FHIR calls by the SMART app's client id.
        Assert.Contains(f.Sandbox.State.FhirRequests, r => r.ClientId == SandboxClients.SmartAppClientId && r.PathAndQuery.Contains("Observation?patient=", StringComparison.Ordinal) && r.Status == 200);
    }

    [Fact]
    public async Task The_launch_requests_S256_state_aud_and_the_configured_scopes_and_the_cookies_are_HttpOnly_Secure_and_Strict()
    {
        using var browser = new EhrBrowser();
        var (_, _, callback) = await browser.EhrLaunchAsync(f, f.Renal.Patient, f.Linked(f.Renal), stopAtCallback: true);
        var authorize = browser.Visited.Single(u => u.AbsolutePath.EndsWith("/oauth2/authorize", StringComparison.Ordinal));
        var q = HttpUtility.ParseQueryString(authorize.Query);
        Assert.Equal("code", q["response_type"]);
        Assert.Equal("S256", q["code_challenge_method"]);
        Assert.Equal(43, q["code_challenge"]!.Length);
        Assert.Equal(f.Sandbox.FhirBaseUrl.ToString(), q["aud"]);
        Assert.StartsWith("launch openid fhirUser offline_access patient/", q["scope"], StringComparison.Ordinal);
        Assert.False(string.IsNullOrEmpty(q["launch"]));
        Assert.Equal(q["state"], HttpUtility.ParseQueryString(callback.Query)["state"]); // echoed by Epic

        var final = await browser.ContinueAsync(await browser.FollowAsync(callback));
        Assert.Equal(HttpStatusCode.OK, final.Status);
        var session = browser.SetCookies.Single(c => c.StartsWith(SmartSessions.SessionCookie + "=", StringComparison.Ordinal));
        Assert.Contains("httponly", session, StringComparison.OrdinalIgnoreCase);
        Assert.Contains("secure", session, StringComparison.OrdinalIgnoreCase);
        Assert.Contains("samesite=strict", session, StringComparison.OrdinalIgnoreCase);
    }

    [Fact]
    public async Task A_confidential_client_authenticates_with_its_secret_and_reaches_the_same_page()
    {
        var (app, baseUrl) = await f.StartAppAsync("Confidential");
        try
        {
            var options = new SmartAppOptions { LaunchUrl = new Uri(baseUrl, "smart/launch").ToString(), AppContextKey = f.Key };
            var card = Hooks.SmartLinks.Attach([f.Renal.Card], options, SmartFixture.Tenant, f.Renal.HookInstance, DateTimeOffset.UtcNow)[0];
            using var browser = new EhrBrowser();
            var (status, body, _) = await browser.EhrLaunchAsync(f, f.Renal.Patient, card);
            Assert.Equal(HttpStatusCode.OK, status);
            Assert.Contains("25 mL/min/1.73m2", body, StringComparison.Ordinal);
            Assert.Contains(f.Sandbox.State.TokenRequests, t => t.ClientId == SandboxClients.SmartAppConfidentialClientId && t.GrantType == "authorization_code" && t.Status == 200);
        }
        finally
        {
            await app.StopAsync();
            await app.DisposeAsync();
        }
    }

    [Fact]
    public async Task Pkce_plain_or_a_missing_challenge_is_refused_at_authorize()
    {
        using var browser = new EhrBrowser();
        foreach (var (method, challenge) in new[] { ("plain", new string('a', 43)), ("S256", ""), ("", "") })
        {
            var (status, _, location) = await browser.SendAsync(HttpMethod.Get, Authorize(launch: Launch(), method: method, challenge: challenge));
            Assert.Equal(HttpStatusCode.Redirect, status);
            var q = HttpUtility.ParseQueryString(location.Query);
            Assert.Equal("invalid_request", q["error"]);
            Assert.Equal("st-1", q["state"]);
            Assert.Null(q["code"]);
        }
    }

    [Fact]
    public async Task A_missing_or_wrong_verifier_is_refused_and_a_code_is_single_use()
    {
        var (missing, _) = await CodeAsync();
        var refused = await ExchangeAsync(missing, verifier: null);
        Assert.Equal("invalid_grant", (string?)refused["error"]);

        var (wrong, _) = await CodeAsync();
        Assert.Equal("invalid_grant", (string?)(await ExchangeAsync(wrong, Pkce.New().Verifier))["error"]);

        var (code, verifier) = await CodeAsync();
        var granted = await ExchangeAsync(code, verifier);
        Assert.Equal(f.Renal.Patient, (string?)granted["patient"]);
        Assert.False(string.IsNullOrEmpty((string?)granted["id_token"]));
        Assert.False(string.IsNullOrEmpty((string?)granted["refresh_token"]));       // offline_access was granted
        var replayed = await ExchangeAsync(code, verifier);
        Assert.Equal("invalid_grant", (string?)replayed["error"]);
        Assert.Contains("already been used", (string?)replayed["error_description"], StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_state_that_does_not_match_the_sign_in_is_refused()
    {
        using var browser = new EhrBrowser();
        var (_, _, callback) = await browser.EhrLaunchAsync(f, f.Renal.Patient, f.Linked(f.Renal), stopAtCallback: true);
        var q = HttpUtility.ParseQueryString(callback.Query);
        var forged = new Uri(f.BaseUrl, $"smart/callback?code={Uri.EscapeDataString(q["code"]!)}&state=forged-{Uri.EscapeDataString(q["state"]!)}");
        var (status, body, _) = await browser.FollowAsync(forged);
        Assert.Equal(HttpStatusCode.BadRequest, status);
        Assert.Contains("does not belong to this sign-in", body, StringComparison.Ordinal);
        Assert.DoesNotContain(browser.SetCookies, c => c.StartsWith(SmartSessions.SessionCookie + "=", StringComparison.Ordinal));
    }

    [Fact]
    public async Task A_callback_replayed_with_its_code_is_refused()
    {
        using var browser = new EhrBrowser();
        var (_, _, callback) = await browser.EhrLaunchAsync(f, f.Renal.Patient, f.Linked(f.Renal), stopAtCallback: true);
        Assert.Equal(HttpStatusCode.OK, (await browser.FollowAsync(callback)).Status);
        var (status, body, _) = await browser.FollowAsync(callback);
        Assert.Equal(HttpStatusCode.BadRequest, status);
        Assert.Contains("already used", body, StringComparison.Ordinal);
    }

    [Fact]
    public async Task An_iss_that_is_not_a_tenant_is_refused_without_a_request_to_it()
    {
        var hits = 0;
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        await using var stranger = builder.Build();
        stranger.Run(ctx =>
        {
            Interlocked.Increment(ref hits);
            return ctx.Response.WriteAsync("{}");
        });
        await stranger.StartAsync();
        var strangerUrl = stranger.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();

        using var browser = new EhrBrowser();
        foreach (var iss in new[] { strangerUrl + "/interconnect-fhir-oauth/api/FHIR/R4/", f.Sandbox.FhirBaseUrl + "?x=1", "javascript:alert(1)" })
        {
            var (status, body, _) = await browser.SendAsync(HttpMethod.Get, new Uri(f.BaseUrl, $"smart/launch?iss={Uri.EscapeDataString(iss)}&launch=abc"));
            Assert.Equal(HttpStatusCode.BadRequest, status);
            Assert.Contains("not configured for this app", body, StringComparison.Ordinal);
        }
        Assert.Equal(0, hits);
        await stranger.StopAsync();
    }

    [Fact]
    public async Task An_app_context_altered_or_sealed_for_another_tenant_is_refused()
    {
        var linked = f.Linked(f.Renal);
        var sealedContext = linked.Links![0].AppContext!;
        var flipped = sealedContext[..20] + (sealedContext[20] == 'A' ? 'B' : 'A') + sealedContext[21..];
        var otherTenant = f.Linked(f.Renal, tenant: "other").Links![0].AppContext!;
        foreach (var context in new[] { flipped, otherTenant, "not-a-context" })
        {
            using var browser = new EhrBrowser();
            var card = linked with { Links = [linked.Links[0] with { AppContext = context }] };
            var (status, body, _) = await browser.EhrLaunchAsync(f, f.Renal.Patient, card);
            Assert.Equal(HttpStatusCode.Forbidden, status);
            Assert.Contains("not valid for this organisation", body, StringComparison.Ordinal);
        }
    }

    [Fact]
    public async Task Another_patients_timeline_is_not_reachable_from_a_launch()
    {
        // A genuine link to the allergy patient's card, clicked in the CKD patient's chart: the token is for the CKD patient.
        using (var wrongChart = new EhrBrowser())
        {
            var (status, body, _) = await wrongChart.EhrLaunchAsync(f, f.Renal.Patient, f.Linked(f.Allergy));
            Assert.Equal(HttpStatusCode.NotFound, status);
            Assert.DoesNotContain(f.Allergy.Card.Summary, body, StringComparison.Ordinal);
        }

        using var browser = new EhrBrowser();
        Assert.Equal(HttpStatusCode.OK, (await browser.EhrLaunchAsync(f, f.Renal.Patient, f.Linked(f.Renal))).Status);
        var (direct, page, _) = await browser.FollowAsync(new Uri(f.BaseUrl, $"smart/card/{f.Allergy.HookInstance}/{f.Allergy.Card.Uuid}"));
        Assert.Equal(HttpStatusCode.NotFound, direct);
        Assert.DoesNotContain("amoxicillin", page, StringComparison.Ordinal);

        // And the chart's FHIR data of another patient is refused to the patient-scoped token by Epic (the sandbox).
        var (code, verifier) = await CodeAsync();
        var token = (string)(await ExchangeAsync(code, verifier))["access_token"]!;
        using var http = new HttpClient();
        http.DefaultRequestHeaders.Authorization = new("Bearer", token);
        using var other = await http.GetAsync(new Uri(f.Sandbox.FhirBaseUrl, $"AllergyIntolerance?patient={f.Allergy.Patient}"));
        Assert.Equal(HttpStatusCode.Forbidden, other.StatusCode);
    }

    [Fact]
    public async Task Without_a_session_the_pages_are_refused()
    {
        using var browser = new EhrBrowser();
        var (status, _, _) = await browser.FollowAsync(new Uri(f.BaseUrl, $"smart/card/{f.Renal.HookInstance}/{f.Renal.Card.Uuid}"));
        Assert.Equal(HttpStatusCode.Unauthorized, status);
        Assert.Equal(HttpStatusCode.Unauthorized, (await browser.FollowAsync(new Uri(f.BaseUrl, "smart/card"))).Status);
    }

    [Fact]
    public async Task A_token_near_expiry_is_refreshed_ahead_with_offline_access()
    {
        f.Sandbox.Clients.Modify(SandboxClients.SmartAppClientName, c => c.AccessTokenLifetime = TimeSpan.FromMinutes(2));
        try
        {
            using var browser = new EhrBrowser();
            Assert.Equal(HttpStatusCode.OK, (await browser.EhrLaunchAsync(f, f.Renal.Patient, f.Linked(f.Renal))).Status);
            Assert.Contains(f.Sandbox.State.TokenRequests, t => t.ClientId == SandboxClients.SmartAppClientId && t.GrantType == "refresh_token" && t.Status == 200);
        }
        finally
        {
            f.Sandbox.Clients.Modify(SandboxClients.SmartAppClientName, c => c.AccessTokenLifetime = null);
        }
    }

    [Fact]
    public async Task No_token_code_or_refresh_token_appears_in_a_page_or_a_log_line()
    {
        using var browser = new EhrBrowser();
        Assert.Equal(HttpStatusCode.OK, (await browser.EhrLaunchAsync(f, f.Renal.Patient, f.Linked(f.Renal))).Status);
        await browser.FollowAsync(new Uri(f.BaseUrl, $"smart/card/{f.Allergy.HookInstance}/{f.Allergy.Card.Uuid}"));
        var secrets = f.Sandbox.IssuedSecrets();
        Assert.NotEmpty(secrets);
        var appPages = browser.Bodies.Where((_, i) => browser.Visited[i].Port == f.BaseUrl.Port).ToList();
        Assert.NotEmpty(appPages);
        foreach (var secret in secrets)
        {
            Assert.DoesNotContain(appPages, p => p.Contains(secret, StringComparison.Ordinal));
            Assert.DoesNotContain(f.Logs.Lines, l => l.Contains(secret, StringComparison.Ordinal));
        }
        Assert.DoesNotContain(appPages, p => p.Contains("<script", StringComparison.OrdinalIgnoreCase) || p.Contains("localStorage", StringComparison.Ordinal));
        Assert.DoesNotContain(f.Logs.Lines, l => l.Contains(f.Renal.Patient, StringComparison.Ordinal));
    }

    private string Launch() => f.Sandbox.MintLaunchToken(new LaunchContext(f.Renal.Patient, null, "Practitioner/" + SandboxPatients.PractitionerId, null));

    private Uri Redirect => new(f.BaseUrl, "smart/callback");

    private Uri Authorize(string launch, string method, string challenge) => new(f.Sandbox.AuthorizeEndpoint +
        $"?response_type=code&client_id={SandboxClients.SmartAppClientId}&redirect_uri={Uri.EscapeDataString(Redirect.ToString())}" +
        $"&scope={Uri.EscapeDataString("launch openid fhirUser offline_access patient/*.rs")}&state=st-1&aud={Uri.EscapeDataString(f.Sandbox.FhirBaseUrl.ToString())}" +
        $"&launch={Uri.EscapeDataString(launch)}&code_challenge={challenge}&code_challenge_method={method}");

    /// <summary>A code from an EHR launch, taken from the redirect (the test plays the app).</summary>
    private async Task<(string Code, string Verifier)> CodeAsync()
    {
        var pkce = Pkce.New();
        using var browser = new EhrBrowser();
        var (status, _, location) = await browser.SendAsync(HttpMethod.Get, Authorize(Launch(), "S256", pkce.Challenge));
        Assert.Equal(HttpStatusCode.Redirect, status);
        return (HttpUtility.ParseQueryString(location.Query)["code"]!, pkce.Verifier);
    }

    private async Task<JsonObject> ExchangeAsync(string code, string? verifier)
    {
        using var http = new HttpClient();
        var form = new List<KeyValuePair<string, string>>
        {
            new("grant_type", "authorization_code"), new("code", code), new("redirect_uri", Redirect.ToString()), new("client_id", SandboxClients.SmartAppClientId),
        };
        if (verifier is not null)
        {
            form.Add(new("code_verifier", verifier));
        }
        using var response = await http.PostAsync(f.Sandbox.TokenEndpoint, new FormUrlEncodedContent(form));
        return JsonNode.Parse(await response.Content.ReadAsStringAsync())!.AsObject();
    }
}
