using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json.Nodes;
using Cds.Testing;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;
using Xunit;

namespace Cds.EpicSandbox.Tests;

public sealed class HookDriverTests(SmallPageSandboxFixture f) : IClassFixture<SmallPageSandboxFixture>
{
    private async Task<(FakeCdsService Cds, EpicHookDriver Driver)> StartAsync()
    {
        var cds = await FakeCdsService.StartAsync();
        return (cds, new EpicHookDriver(f.Sandbox, cds.ServicesBaseUrl, f.Http));
    }

    private async Task<TokenValidationResult> ValidateLikeACdsServiceAsync(string jwt, string audience)
    {
        var handler = new JsonWebTokenHandler();
        var parsed = handler.ReadJsonWebToken(jwt);
        Assert.True(parsed.TryGetHeaderValue<string>("jku", out var jku));
        Assert.Equal(f.Sandbox.HookJwksUrl.ToString(), jku); // the jku the sandbox serves
        var jwks = new JsonWebKeySet(await f.Http.GetStringAsync(jku));
        return await handler.ValidateTokenAsync(jwt, new TokenValidationParameters
        {
            IssuerSigningKeys = jwks.GetSigningKeys(),
            ValidIssuer = f.Sandbox.FhirBaseUrl.ToString(),
            ValidAudience = audience,
            ValidAlgorithms = ["RS384", "ES384"],
        });
    }

    [Fact]
    public async Task Hook_JWTs_are_signed_like_Epics()
    {
        var (cds, driver) = await StartAsync();
        await using var _ = cds;
        var aud = cds.ServicesBaseUrl + "patient-view";
        var jwt = driver.SignHookJwt(aud);
        var parts = jwt.Split('.');
        var header = JsonNode.Parse(Base64UrlEncoder.Decode(parts[0]))!;
        var payload = JsonNode.Parse(Base64UrlEncoder.Decode(parts[1]))!;
        Assert.Equal("RS384", (string?)header["alg"]);
        Assert.Equal("JWT", (string?)header["typ"]);
        var kid = (string)header["kid"]!;
        Assert.Contains("+", kid);
        Assert.EndsWith("=", kid);
        Assert.Contains("\"kid\":\"" + kid + "\"", Encoding.UTF8.GetString(Base64UrlEncoder.DecodeBytes(parts[0]))); // '+' written as is
        Assert.Equal(f.Sandbox.FhirBaseUrl.ToString(), (string?)payload["iss"]);
        Assert.Equal(SandboxClients.CdsHooksClientId, (string?)payload["sub"]);
        Assert.Equal(aud, (string?)payload["aud"]);
        var iat = (long)payload["iat"]!;
        Assert.Equal(iat + 900, (long)payload["exp"]!);
        Assert.Equal(iat - 300, (long)payload["nbf"]!);
        Assert.False(string.IsNullOrEmpty((string?)payload["jti"]));
        Assert.Null(payload["tenant"]);
        Assert.True((await ValidateLikeACdsServiceAsync(jwt, aud)).IsValid);

        var es = driver.SignHookJwt(aud, o => o.Alg = "ES384");
        Assert.True((await ValidateLikeACdsServiceAsync(es, aud)).IsValid);
        Assert.False((await ValidateLikeACdsServiceAsync(driver.SignHookJwt(aud, o => o.Key = System.Security.Cryptography.RSA.Create(2048)), aud)).IsValid);
        Assert.False((await ValidateLikeACdsServiceAsync(driver.SignHookJwt(aud, o => o.Aud = "https://elsewhere/"), aud)).IsValid);
        Assert.Equal("none", (string?)JsonNode.Parse(Base64UrlEncoder.Decode(driver.SignHookJwt(aud, o => o.Alg = "none").Split('.')[0]))!["alg"]);
        Assert.EndsWith(".", driver.SignHookJwt(aud, o => o.Alg = "none"));
    }

    [Fact]
    public async Task The_driver_refuses_an_answer_that_breaks_the_CDS_Hooks_schema_like_a_strict_Epic()
    {
        var (cds, driver) = await StartAsync();
        await using var _ = cds;
        using (var ok = await driver.SendAsync("patient-view", driver.BuildPatientView(SandboxPatients.PenicillinAllergic)))
        {
            Assert.Equal(HttpStatusCode.OK, ok.StatusCode);
            Assert.Contains("\"cards\"", await ok.Content.ReadAsStringAsync(), StringComparison.Ordinal); // still readable after the check
        }

        cds.BreakCard = card =>
        {
            card.Remove("selectionBehavior");
            card["suggestions"]![0]!["actions"] = new JsonArray(new JsonObject
            {
                ["type"] = "delete", ["description"] = "Remove", ["resourceId"] = new JsonArray("MedicationRequest/1"),
            });
        };
        var refused = await Assert.ThrowsAsync<Conformance.CdsHooksConformanceException>(() =>
            driver.SendAsync("patient-view", driver.BuildPatientView(SandboxPatients.PenicillinAllergic)));
        Assert.Contains(refused.Violations, v => v.Pointer == "/cards/0" && v.Keyword == "dependentRequired");
        Assert.Contains(refused.Violations, v => v.Pointer == "/cards/0/suggestions/0/actions/0/resourceId" && v.Keyword == "type");
        Assert.Contains("req 135", refused.Message, StringComparison.Ordinal);

        driver.Strict = false; // a host that is not a CDS service
        using var loose = await driver.SendAsync("patient-view", driver.BuildPatientView(SandboxPatients.PenicillinAllergic));
        Assert.Equal(HttpStatusCode.OK, loose.StatusCode);
    }

    [Fact]
    public async Task Patient_view_has_Epics_shape_and_a_working_fhirAuthorization()
    {
        var (cds, driver) = await StartAsync();
        await using var _ = cds;
        var request = driver.BuildPatientView(SandboxPatients.PenicillinAllergic);
        using var response = await driver.SendAsync("patient-view", request);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var received = Assert.Single(cds.Requests);
        Assert.Equal("patient-view", received.Path);
        Assert.StartsWith("Bearer ", received.Authorization);
        Assert.True((await ValidateLikeACdsServiceAsync(received.Authorization![7..], cds.ServicesBaseUrl + "patient-view")).IsValid);

        var body = received.Body;
        Assert.Equal("patient-view", (string?)body["hook"]);
        Assert.Equal("60", (string?)body["extension"]!["com.epic.cdshooks.request.bpa-trigger-action"]);
        Assert.NotNull(body["extension"]!["com.epic.cdshooks.request.criteria-id"]);
        Assert.NotNull(body["extension"]!["com.epic.cdshooks.request.epic-version"]);
        Assert.Equal(SandboxPatients.PenicillinAllergic, (string?)body["context"]!["patientId"]);
        Assert.StartsWith("PractitionerRole/", (string?)body["context"]!["userId"]);

        var auth = body["fhirAuthorization"]!;
        Assert.Equal(300, (int)auth["expires_in"]!);
        Assert.Equal(SandboxClients.CdsHooksClientId, (string?)auth["subject"]);
        Assert.Null(auth["patient"]);
        Assert.Contains("Patient.Read (R4)", (string?)auth["scope"]);
        Assert.DoesNotContain("system/", (string?)auth["scope"]);

        // The token works against the sandbox, within what the CDS client is registered for.
        var token = (string)auth["access_token"]!;
        var fhirServer = (string)body["fhirServer"]!;
        var (read, _) = await f.GetAsync($"{fhirServer}/Patient/{SandboxPatients.PenicillinAllergic}", token);
        Assert.Equal(HttpStatusCode.OK, read.StatusCode);
        var (create, _) = await f.GetAsync($"{fhirServer}/DocumentReference?patient={SandboxPatients.PenicillinAllergic}", token);
        Assert.Equal(HttpStatusCode.Forbidden, create.StatusCode);

        var prefetch = body["prefetch"]!;
        Assert.Equal("PractitionerRole", (string?)prefetch["-user"]!["resourceType"]);
        Assert.Equal("Patient", (string?)prefetch["patient"]!["resourceType"]);
        var allergy = prefetch["allergies"]!["entry"]![0]!["resource"]!;
        Assert.Equal("70618", (string?)allergy["code"]!["coding"]![0]!["code"]);
        Assert.StartsWith(f.Sandbox.FhirBaseUrl.ToString(), (string?)allergy["patient"]!["reference"]); // absolute, like Epic
    }

    [Fact]
    public async Task Prefetch_carries_the_4101_empty_shape_and_single_object_category()
    {
        var (cds, driver) = await StartAsync();
        await using var _ = cds;
        var empty = driver.BuildPatientView(SandboxPatients.NoData);
        var conditions = empty["prefetch"]!["conditions"]!;
        var only = Assert.Single(conditions["entry"]!.AsArray())!;
        Assert.Equal("outcome", (string?)only["search"]!["mode"]);
        Assert.Equal("4101", (string?)only["resource"]!["issue"]![0]!["details"]!["coding"]![0]!["code"]);
        Assert.Null(empty["context"]!["encounterId"]);

        var ckd = driver.BuildPatientView(SandboxPatients.CkdOnMetformin);
        var med = ckd["prefetch"]!["medications"]!["entry"]![0]!["resource"]!;
        Assert.IsType<JsonObject>(med["category"]);
        Assert.Equal("eGFR", (string?)ckd["prefetch"]!["labs"]!["entry"]!.AsArray()
            .First(e => (string?)e!["resource"]!["code"]!["coding"]![0]!["code"] == "62238-1")!["resource"]!["code"]!["text"]);

        var partial = driver.BuildPatientView(SandboxPatients.NoData, new HookOptions { PrefetchKeys = ["patient"], UserId = "Practitioner/" + SandboxPatients.PractitionerId });
        Assert.Single(partial["prefetch"]!.AsObject());
        Assert.Equal("Practitioner/" + SandboxPatients.PractitionerId, (string?)partial["context"]!["userId"]);

        var synthea = driver.BuildPatientView(SandboxPatients.AbramLemke);
        Assert.NotNull(synthea["context"]!["encounterId"]);
    }

    [Fact]
    public async Task Order_select_and_order_sign_carry_drafts_and_their_Medication_entries()
    {
        var (cds, driver) = await StartAsync();
        await using var _ = cds;
        var select = driver.BuildOrderSelect(SandboxPatients.PenicillinAllergic, [DraftMedication.Amoxicillin]);
        Assert.Equal("18", (string?)select["extension"]!["com.epic.cdshooks.request.bpa-trigger-action"]);
        var draftOrders = select["context"]!["draftOrders"]!;
        Assert.Equal("collection", (string?)draftOrders["type"]);
        var entries = draftOrders["entry"]!.AsArray().Select(e => e!["resource"]!).ToList();
        var draft = Assert.Single(entries, r => (string?)r["resourceType"] == "MedicationRequest");
        Assert.Equal("draft", (string?)draft["status"]);
        Assert.Equal("order", (string?)draft["intent"]);
        var medication = Assert.Single(entries, r => (string?)r["resourceType"] == "Medication");
        Assert.Equal("Medication/" + (string?)medication["id"], (string?)draft["medicationReference"]!["reference"]);
        Assert.Contains(medication["code"]!["coding"]!.AsArray(), c => (string?)c!["code"] == "723");
        Assert.Contains(medication["code"]!["coding"]!.AsArray(), c => (string?)c!["code"] == "308182");
        Assert.Equal("MedicationRequest/" + (string?)draft["id"], (string?)select["context"]!["selections"]![0]);
        Assert.True(((string)draft["id"]!).Length > 100); // Epic draft ids are long

        using (var response = await driver.SendAsync("order-select", select))
        {
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        }

        var sign = driver.BuildOrderSign(SandboxPatients.CkdOnMetformin, [DraftMedication.Metformin, DraftMedication.Lisinopril]);
        Assert.Equal("23", (string?)sign["extension"]!["com.epic.cdshooks.request.bpa-trigger-action"]);
        Assert.Null(sign["context"]!["selections"]);
        Assert.Equal(4, sign["context"]!["draftOrders"]!["entry"]!.AsArray().Count);

        var noScope = driver.BuildOrderSign(SandboxPatients.CkdOnMetformin, [DraftMedication.Metformin], new HookOptions { IncludeDraftOrders = false });
        Assert.Null(noScope["context"]!["draftOrders"]);
    }

    [Fact]
    public async Task Feedback_goes_to_the_feedback_endpoint_in_both_shapes()
    {
        var (cds, driver) = await StartAsync();
        await using var _ = cds;
        var epic = driver.BuildFeedback("card-1", "overridden", FeedbackShape.Epic, overrideReasonDisplay: "Does not meet criteria", userComment: "free text");
        var spec = driver.BuildFeedback("card-1", "overridden", FeedbackShape.Spec, overrideReasonCode: "contraindicated", userComment: "free text");
        var accepted = driver.BuildFeedback("card-2", "accepted", acceptedSuggestionIds: ["s-1"]);
        Assert.NotNull(epic["feedback"]![0]!["overrideReasons"]!["extension"]!["com.epic.cdshooks.feedback.overrideReason.reasonCategory"]);
        Assert.Equal("contraindicated", (string?)spec["feedback"]![0]!["overrideReason"]!["reason"]!["code"]);
        Assert.Equal("s-1", (string?)accepted["feedback"]![0]!["acceptedSuggestions"]![0]!["id"]);

        using var response = await driver.SendFeedbackAsync("order-select", EpicHookDriver.CombineFeedback(epic, spec, accepted));
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var received = Assert.Single(cds.Requests);
        Assert.Equal("order-select/feedback", received.Path);
        Assert.Equal(3, received.Body["feedback"]!.AsArray().Count);
        Assert.True((await ValidateLikeACdsServiceAsync(received.Authorization![7..], cds.ServicesBaseUrl + "order-select/feedback")).IsValid);
    }

    [Fact]
    public async Task The_drive_command_sends_a_hook_and_feedback_through_a_running_sandbox()
    {
        await using var cds = await FakeCdsService.StartAsync();
        var exit = await SandboxProgram.Main(["drive", "--cds", cds.ServicesBaseUrl.ToString(), "--hook", "order-select",
            "--patient", "penicillin-allergic", "--med", "amoxicillin", "--feedback", "overridden", "--sandbox", f.Sandbox.BaseUrl.ToString()]);
        Assert.Equal(0, exit);
        var requests = cds.Requests.ToList();
        Assert.Equal(2, requests.Count);
        Assert.Equal("order-select", requests[0].Path);
        Assert.Equal(SandboxPatients.PenicillinAllergic, (string?)requests[0].Body["context"]!["patientId"]);
        Assert.Equal("order-select/feedback", requests[1].Path);
        Assert.Equal("8d5f7c0e-1111-4c6e-9d2a-000000000001", (string?)requests[1].Body["feedback"]![0]!["card"]);
        var token = (string)requests[0].Body["fhirAuthorization"]!["access_token"]!;
        var (read, _) = await f.GetAsync("Patient/" + SandboxPatients.PenicillinAllergic, token); // minted by this sandbox over HTTP
        Assert.Equal(HttpStatusCode.OK, read.StatusCode);
    }

    [Fact]
    public async Task The_drive_command_prints_the_schema_verdict_and_fails_on_a_broken_answer()
    {
        await using var cds = await FakeCdsService.StartAsync();
        string[] args = ["drive", "--cds", cds.ServicesBaseUrl.ToString(), "--hook", "patient-view", "--patient", "penicillin-allergic",
            "--sandbox", f.Sandbox.BaseUrl.ToString()];
        var (exit, output) = await CaptureAsync(() => SandboxProgram.Main(args));
        Assert.Equal(0, exit);
        Assert.Contains("schema: CDS Hooks 2.0 response valid", output, StringComparison.Ordinal);

        cds.BreakCard = card => card["indicator"] = "hard-stop";
        (exit, output) = await CaptureAsync(() => SandboxProgram.Main(args));
        Assert.Equal(1, exit);
        Assert.Contains("schema: CDS Hooks 2.0 response INVALID", output, StringComparison.Ordinal);
        Assert.Contains("/cards/0/indicator", output, StringComparison.Ordinal);
    }

    private static async Task<(int Exit, string Output)> CaptureAsync(Func<Task<int>> run)
    {
        var original = Console.Out;
        using var writer = new StringWriter();
        Console.SetOut(writer);
        try
        {
            return (await run(), writer.ToString());
        }
        finally
        {
            Console.SetOut(original);
        }
    }
}
