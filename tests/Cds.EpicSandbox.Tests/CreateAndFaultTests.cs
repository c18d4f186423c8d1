using System.Diagnostics;
using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json.Nodes;
using Cds.Testing;
using Xunit;

namespace Cds.EpicSandbox.Tests;

public sealed class CreateTests(NoSyntheaFixture f) : IClassFixture<NoSyntheaFixture>
{
    private static string Note(string identifier) => new JsonObject
    {
        ["resourceType"] = "DocumentReference",
        ["identifier"] = new JsonArray(new JsonObject { ["system"] = "urn:cds:card", ["value"] = identifier }),
        ["status"] = "current",
        ["type"] = new JsonObject { ["coding"] = new JsonArray(new JsonObject { ["system"] = "http://loinc.org", ["code"] = "11506-3" }) },
        ["subject"] = new JsonObject { ["reference"] = "Patient/" + SandboxPatients.PenicillinAllergic },
        ["content"] = new JsonArray(new JsonObject
        {
            ["attachment"] = new JsonObject { ["contentType"] = "text/plain", ["data"] = Convert.ToBase64String(Encoding.UTF8.GetBytes("Penicillin allergy advice shown.")) },
        }),
    }.ToJsonString();

    private async Task<HttpResponseMessage> PostAsync(string type, string body, string token, string? ifNoneExist = null, string contentType = "application/fhir+json")
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, f.Fhir(type)) { Content = new StringContent(body, Encoding.UTF8, contentType) };
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        if (ifNoneExist is not null)
        {
            request.Headers.Add("If-None-Exist", ifNoneExist);
        }

        return await f.Http.SendAsync(request);
    }

    [Fact]
    public async Task If_None_Exist_is_honoured_and_every_write_is_recorded_per_identifier()
    {
        var token = await f.TokenAsync();
        var id = "card-" + Guid.NewGuid().ToString("N");
        using var first = await PostAsync("DocumentReference", Note(id), token, $"identifier=urn:cds:card|{id}");
        Assert.Equal(HttpStatusCode.Created, first.StatusCode);
        Assert.StartsWith(f.Sandbox.FhirBaseUrl + "DocumentReference/", first.Headers.Location!.ToString());

        using var second = await PostAsync("DocumentReference", Note(id), token, $"identifier=urn:cds:card|{id}");
        Assert.Equal(HttpStatusCode.OK, second.StatusCode);
        Assert.Equal(first.Headers.Location, second.Headers.Location);

        var writes = f.Sandbox.State.WritesFor($"urn:cds:card|{id}");
        Assert.Equal(2, writes.Count);
        Assert.Equal(1, f.Sandbox.State.CreatedCount($"urn:cds:card|{id}"));
        Assert.Equal(WriteOutcome.MatchedExisting, writes[1].Outcome);

        // The stored note is readable and searchable.
        var (_, bundle) = await f.GetAsync($"DocumentReference?patient={SandboxPatients.PenicillinAllergic}&identifier=urn:cds:card|{id}", token);
        Assert.Equal(1, (int)bundle!["total"]!);

        // And the admin endpoint shows the same counts.
        var admin = JsonNode.Parse(await f.Http.GetStringAsync(new Uri(f.Sandbox.BaseUrl, "_sandbox/writes")))!;
        Assert.Equal(2, (int)admin["byIdentifier"]![$"urn:cds:card|{id}"]!["received"]!);
        Assert.Equal(1, (int)admin["byIdentifier"]![$"urn:cds:card|{id}"]!["created"]!);
    }

    [Fact]
    public async Task A_create_whose_answer_is_held_is_stored_even_when_the_caller_gives_up_and_a_retry_finds_it()
    {
        var token = await f.TokenAsync();
        var id = "held-" + Guid.NewGuid().ToString("N");
        var rule = f.Sandbox.Faults.Add(new FaultRule { Method = "POST", ResourceType = "DocumentReference", DelayAnswer = TimeSpan.FromSeconds(10), Times = 1 });
        try
        {
            using var request = new HttpRequestMessage(HttpMethod.Post, f.Fhir("DocumentReference")) { Content = new StringContent(Note(id), Encoding.UTF8, "application/fhir+json") };
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
            request.Headers.Add("If-None-Exist", $"identifier=urn:cds:card|{id}");
            using var giveUp = new CancellationTokenSource();
            var sent = f.Http.SendAsync(request, giveUp.Token);
            // The caller gives up while Epic holds the answer to a create it has already stored (not on a timer,
            // which on a loaded machine could fire before the create arrived).
            await Eventually.UntilAsync(() => f.Sandbox.State.CreatedCount($"urn:cds:card|{id}") > 0, () => "the create never arrived",
                TimeSpan.FromSeconds(9), TimeSpan.FromMilliseconds(20));
            giveUp.Cancel();
            await Assert.ThrowsAnyAsync<OperationCanceledException>(() => sent);

            // Epic has the note although the caller never heard back; the caller's retry finds it.
            Assert.Equal(1, rule.Fired);
            Assert.Equal(1, f.Sandbox.State.CreatedCount($"urn:cds:card|{id}"));
            using var retry = await PostAsync("DocumentReference", Note(id), token, $"identifier=urn:cds:card|{id}");
            Assert.Equal(HttpStatusCode.OK, retry.StatusCode);
            Assert.Equal(1, f.Sandbox.State.CreatedCount($"urn:cds:card|{id}"));
        }
        finally
        {
            f.Sandbox.Faults.Remove(rule);
        }
    }

    [Fact]
    public async Task Without_If_None_Exist_duplicates_are_stored_and_visible()
    {
        var token = await f.TokenAsync();
        var id = "dup-" + Guid.NewGuid().ToString("N");
        using var a = await PostAsync("DocumentReference", Note(id), token);
        using var b = await PostAsync("DocumentReference", Note(id), token);
        Assert.Equal(HttpStatusCode.Created, a.StatusCode);
        Assert.Equal(HttpStatusCode.Created, b.StatusCode);
        Assert.Equal(2, f.Sandbox.State.CreatedCount($"urn:cds:card|{id}"));
    }

    [Fact]
    public async Task Observation_create_works_and_bad_writes_are_refused()
    {
        var token = await f.TokenAsync();
        var obs = new JsonObject
        {
            ["resourceType"] = "Observation",
            ["identifier"] = new JsonArray(new JsonObject { ["system"] = "urn:cds:obs", ["value"] = "o-1" }),
            ["status"] = "final",
            ["code"] = new JsonObject { ["coding"] = new JsonArray(new JsonObject { ["system"] = "http://loinc.org", ["code"] = "8302-2" }) },
            ["subject"] = new JsonObject { ["reference"] = "Patient/" + SandboxPatients.NoData },
            ["valueQuantity"] = new JsonObject { ["value"] = 180, ["unit"] = "cm" },
        };
        using var created = await PostAsync("Observation", obs.ToJsonString(), token, "identifier=urn:cds:obs|o-1");
        Assert.Equal(HttpStatusCode.Created, created.StatusCode);

        obs["subject"] = new JsonObject { ["reference"] = "Patient/eNobody3" };
        using var unknownPatient = await PostAsync("Observation", obs.ToJsonString(), token);
        Assert.Equal(HttpStatusCode.BadRequest, unknownPatient.StatusCode);

        using var garbage = await PostAsync("Observation", "{\"resourceType\":\"Observation\",\"status\":42}", token);
        Assert.Equal(HttpStatusCode.BadRequest, garbage.StatusCode);

        using var wrongType = await PostAsync("Observation", Note("x"), token);
        Assert.Equal(HttpStatusCode.BadRequest, wrongType.StatusCode);

        using var notRegistered = await PostAsync("MedicationRequest", "{\"resourceType\":\"MedicationRequest\"}", token);
        Assert.Equal(HttpStatusCode.Forbidden, notRegistered.StatusCode);

        Assert.Contains(f.Sandbox.State.Writes, w => w.Outcome == WriteOutcome.Rejected && w.Status == 400);
    }
}

public sealed class FaultTests(NoSyntheaFixture f) : IClassFixture<NoSyntheaFixture>
{
    [Fact]
    public async Task A_429_with_Retry_After_fires_the_given_number_of_times()
    {
        var token = await f.TokenAsync();
        var rule = f.Sandbox.Faults.Status(429, resourceType: "Patient", times: 2, retryAfterSeconds: 3);
        try
        {
            for (var i = 0; i < 2; i++)
            {
                var (response, _) = await f.GetAsync("Patient/" + SandboxPatients.NoData, token);
                Assert.Equal(HttpStatusCode.TooManyRequests, response.StatusCode);
                Assert.Equal(TimeSpan.FromSeconds(3), response.Headers.RetryAfter!.Delta);
            }

            Assert.Equal(HttpStatusCode.OK, (await f.GetAsync("Patient/" + SandboxPatients.NoData, token)).Response.StatusCode);
            Assert.Equal(2, rule.Fired);
            Assert.Contains(f.Sandbox.State.FhirRequests, r => r.Status == 429 && r.Fault is not null);
        }
        finally
        {
            f.Sandbox.Faults.Clear();
        }
    }

    [Fact]
    public async Task A_503_on_the_token_endpoint_and_a_skip_count()
    {
        f.Sandbox.Faults.Add(new FaultRule { ResourceType = "token", Status = 503, Skip = 1, Times = 1 });
        try
        {
            var okToken = await f.TokenAsync(); // skipped
            Assert.NotEmpty(okToken);
            using var failed = await f.Http.PostAsync(f.Sandbox.TokenEndpoint, ClientAssertions.TokenRequest(ClientAssertions.Create(f.Sandbox.TokenEndpoint)));
            Assert.Equal(HttpStatusCode.ServiceUnavailable, failed.StatusCode);
            Assert.NotNull(failed.Headers.RetryAfter);
        }
        finally
        {
            f.Sandbox.Faults.Clear();
        }
    }

    [Fact]
    public async Task Delays_and_dropped_connections()
    {
        var token = await f.TokenAsync();
        f.Sandbox.Faults.Delay(TimeSpan.FromMilliseconds(600), resourceType: "Condition", times: 1);
        f.Sandbox.Faults.DropConnection(resourceType: "AllergyIntolerance", times: 1);
        try
        {
            var sw = Stopwatch.StartNew();
            var (delayed, _) = await f.GetAsync($"Condition?patient={SandboxPatients.CkdOnMetformin}", token);
            Assert.Equal(HttpStatusCode.OK, delayed.StatusCode);
            Assert.True(sw.ElapsedMilliseconds >= 550, $"took {sw.ElapsedMilliseconds} ms");

            await Assert.ThrowsAnyAsync<HttpRequestException>(() => f.GetAsync($"AllergyIntolerance?patient={SandboxPatients.PenicillinAllergic}", token));
            Assert.Equal(HttpStatusCode.OK, (await f.GetAsync($"AllergyIntolerance?patient={SandboxPatients.PenicillinAllergic}", token)).Response.StatusCode);
        }
        finally
        {
            f.Sandbox.Faults.Clear();
        }
    }

    [Fact]
    public async Task Faults_can_be_set_and_cleared_over_HTTP_and_requests_are_listed()
    {
        var token = await f.TokenAsync();
        using var add = await f.Http.PostAsync(new Uri(f.Sandbox.BaseUrl, "_sandbox/faults"),
            new StringContent("{\"pathContains\":\"Patient/" + SandboxPatients.NoData + "\",\"status\":503,\"retryAfterSeconds\":7}", Encoding.UTF8, "application/json"));
        Assert.Equal(HttpStatusCode.Created, add.StatusCode);
        var (failed, _) = await f.GetAsync("Patient/" + SandboxPatients.NoData, token);
        Assert.Equal(HttpStatusCode.ServiceUnavailable, failed.StatusCode);
        Assert.Equal(TimeSpan.FromSeconds(7), failed.Headers.RetryAfter!.Delta);

        using var clear = await f.Http.DeleteAsync(new Uri(f.Sandbox.BaseUrl, "_sandbox/faults"));
        Assert.Equal(HttpStatusCode.NoContent, clear.StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await f.GetAsync("Patient/" + SandboxPatients.NoData, token)).Response.StatusCode);

        var requests = JsonNode.Parse(await f.Http.GetStringAsync(new Uri(f.Sandbox.BaseUrl, "_sandbox/requests")))!;
        var fhir = requests["fhir"]!.AsArray();
        Assert.Contains(fhir, r => (int)r!["status"]! == 503);
        Assert.DoesNotContain(token, requests.ToJsonString());
        Assert.NotEmpty(requests["token"]!.AsArray());
    }
}
