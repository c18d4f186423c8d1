using System.Net;
using System.Net.Http.Headers;
using System.Text.Json.Nodes;
using Xunit;

namespace Cds.EpicSandbox.Tests;

public sealed class SiteSettingsTests
{
    private static async Task<(HttpStatusCode, JsonNode?)> GetAsync(HttpClient http, Uri url, string? token)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, url);
        if (token is not null)
        {
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        }

        using var response = await http.SendAsync(request);
        var text = await response.Content.ReadAsStringAsync();
        return (response.StatusCode, text.Length == 0 ? null : JsonNode.Parse(text));
    }

    [Fact]
    public async Task A_site_without_a_search_parameter_ignores_it_with_4122_and_returns_more()
    {
        await using var sandbox = await EpicSandboxServer.StartAsync(new SandboxSettings
        {
            SeedSynthea = false,
            UnsupportedSearchParameters = new Dictionary<string, string[]> { ["Observation"] = ["date"] },
        });
        using var http = new HttpClient();
        var token = sandbox.IssueAccessToken();
        var recent = $"date=ge{DateTime.UtcNow.AddMonths(-12):yyyy-MM-dd}";
        var (status, bundle) = await GetAsync(http, new Uri(sandbox.FhirBaseUrl, $"Observation?patient={SandboxPatients.Type2DiabeticHighA1c}&code=4548-4&{recent}"), token);
        Assert.Equal(HttpStatusCode.OK, status);
        Assert.Equal(2, (int)bundle!["total"]!); // the date filter was not applied
        Assert.Contains(bundle["entry"]!.AsArray(), e => (string?)e!["resource"]!["issue"]?[0]?["details"]?["coding"]?[0]?["code"] == "4122");

        var (_, capability) = await GetAsync(http, new Uri(sandbox.FhirBaseUrl, "metadata"), null);
        var observation = capability!["rest"]![0]!["resource"]!.AsArray().Single(r => (string?)r!["type"] == "Observation")!;
        Assert.DoesNotContain(observation["searchParam"]!.AsArray(), p => (string?)p!["name"] == "date");
        Assert.Contains(observation["searchParam"]!.AsArray(), p => (string?)p!["name"] == "code");
    }

    [Fact]
    public async Task Ignore_count_mode_serves_pages_larger_than_asked_and_the_hook_token_expires()
    {
        await using var sandbox = await EpicSandboxServer.StartAsync(new SandboxSettings
        {
            SeedSynthea = false,
            CountMode = CountMode.Ignore,
            MaxPageSize = 50,
            HookAccessTokenLifetime = TimeSpan.FromSeconds(2), // room for a first call on a loaded machine
            MaxRecords = 3,
        });
        using var http = new HttpClient();
        var token = sandbox.IssueAccessToken();
        var (_, bundle) = await GetAsync(http, new Uri(sandbox.FhirBaseUrl, $"Observation?patient={SandboxPatients.CkdOnMetformin}&category=laboratory&_count=1"), token);
        Assert.Equal(2, bundle!["entry"]!.AsArray().Count); // _count=1 ignored: Epic's own page size
        Assert.Null(bundle["link"]!.AsArray().FirstOrDefault(l => (string?)l!["relation"] == "next"));

        var minted = System.Diagnostics.Stopwatch.StartNew();
        var auth = sandbox.MintFhirAuthorization();
        var patientUrl = new Uri(sandbox.FhirBaseUrl, "Patient/" + SandboxPatients.NoData);
        Assert.Equal(HttpStatusCode.OK, (await GetAsync(http, patientUrl, (string)auth["access_token"]!)).Item1);
        var expired = TimeSpan.FromSeconds(2.2) - minted.Elapsed;
        if (expired > TimeSpan.Zero)
        {
            await Task.Delay(expired);
        }
        Assert.Equal(HttpStatusCode.Unauthorized, (await GetAsync(http, patientUrl, (string)auth["access_token"]!)).Item1);

        for (var i = 0; i < 3; i++)
        {
            await GetAsync(http, patientUrl, token);
        }

        Assert.Equal(3, sandbox.State.FhirRequests.Count); // 6 served, the last 3 kept
        Assert.All(sandbox.State.FhirRequests, r => Assert.Equal(200, r.Status));
    }

    [Fact]
    public async Task Reset_clears_records_faults_created_resources_and_tokens()
    {
        await using var sandbox = await EpicSandboxServer.StartAsync(new SandboxSettings { SeedSynthea = false });
        using var http = new HttpClient();
        var token = sandbox.IssueAccessToken();
        sandbox.Faults.Status(503, resourceType: "Condition");
        Assert.Equal(HttpStatusCode.ServiceUnavailable, (await GetAsync(http, new Uri(sandbox.FhirBaseUrl, $"Condition?patient={SandboxPatients.NoData}"), token)).Item1);

        using var reset = await http.PostAsync(new Uri(sandbox.BaseUrl, "_sandbox/reset"), null);
        Assert.Equal(HttpStatusCode.NoContent, reset.StatusCode);
        Assert.Empty(sandbox.Faults.Rules);
        Assert.Empty(sandbox.State.FhirRequests);
        Assert.Equal(HttpStatusCode.Unauthorized, (await GetAsync(http, new Uri(sandbox.FhirBaseUrl, $"Condition?patient={SandboxPatients.NoData}"), token)).Item1);
        var fresh = sandbox.IssueAccessToken();
        Assert.Equal(HttpStatusCode.OK, (await GetAsync(http, new Uri(sandbox.FhirBaseUrl, $"Condition?patient={SandboxPatients.NoData}"), fresh)).Item1);
    }
}
