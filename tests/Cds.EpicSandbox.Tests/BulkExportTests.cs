using System.Net;
using System.Net.Http.Headers;
using System.Text.Json.Nodes;
using Cds.Testing;
using Xunit;

namespace Cds.EpicSandbox.Tests;

public sealed class BulkExportTests(NoSyntheaFixture f) : IClassFixture<NoSyntheaFixture>
{
    private async Task<HttpResponseMessage> SendAsync(HttpMethod method, Uri url, string token, bool respondAsync = true)
    {
        using var request = new HttpRequestMessage(method, url);
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        if (respondAsync)
        {
            request.Headers.Add("Prefer", "respond-async");
        }

        request.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue("application/fhir+json"));
        return await f.Http.SendAsync(request);
    }

    [Fact]
    public async Task Group_export_kicks_off_polls_with_Retry_After_downloads_NDJSON_and_throttles()
    {
        var token = await f.TokenAsync();
        var kickOff = f.Fhir($"Group/{SandboxPatients.BulkGroupId}/$export?_type=Patient,Observation");

        using (var noPrefer = await SendAsync(HttpMethod.Get, kickOff, token, respondAsync: false))
        {
            Assert.Equal(HttpStatusCode.BadRequest, noPrefer.StatusCode);
        }

        using var accepted = await SendAsync(HttpMethod.Get, kickOff, token);
        Assert.Equal(HttpStatusCode.Accepted, accepted.StatusCode);
        var status = accepted.Content.Headers.ContentLocation ?? new Uri(accepted.Headers.GetValues("Content-Location").Single());

        using (var again = await SendAsync(HttpMethod.Get, kickOff, token))
        {
            Assert.Equal(HttpStatusCode.TooManyRequests, again.StatusCode);
            Assert.Contains("too recently", await again.Content.ReadAsStringAsync());
        }

        using (var poll = await SendAsync(HttpMethod.Get, status, token, respondAsync: false))
        {
            Assert.Equal(HttpStatusCode.Accepted, poll.StatusCode);
            Assert.NotNull(poll.Headers.RetryAfter);
        }

        using var done = await SendAsync(HttpMethod.Get, status, token, respondAsync: false);
        Assert.Equal(HttpStatusCode.OK, done.StatusCode);
        var manifest = JsonNode.Parse(await done.Content.ReadAsStringAsync())!;
        Assert.True((bool)manifest["requiresAccessToken"]!);
        var outputs = manifest["output"]!.AsArray();
        var patients = outputs.Single(o => (string?)o!["type"] == "Patient")!;
        using var file = await SendAsync(HttpMethod.Get, new Uri((string)patients["url"]!), token, respondAsync: false);
        var lines = (await file.Content.ReadAsStringAsync()).Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(SandboxPatients.Fixtures.Count, lines.Length);
        Assert.All(lines, l => Assert.Equal("Patient", (string?)JsonNode.Parse(l)!["resourceType"]));
        Assert.Contains(outputs, o => (string?)o!["type"] == "Observation");

        using var noToken = await f.Http.GetAsync((string)patients["url"]!);
        Assert.Equal(HttpStatusCode.Unauthorized, noToken.StatusCode);
    }
}
