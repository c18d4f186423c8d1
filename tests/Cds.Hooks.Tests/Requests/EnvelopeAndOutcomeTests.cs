using System.Text.Json;
using System.Text.Json.Nodes;
using Cds.Contracts;
using Cds.Hooks.Requests;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;

namespace Cds.Hooks.Tests.Requests;

public sealed class EnvelopeAndOutcomeTests
{
    private static async Task<(int Status, string ContentType, JsonElement Body)> Execute(IResult result)
    {
        var context = new DefaultHttpContext
        {
            RequestServices = new ServiceCollection().AddSingleton(typeof(Microsoft.Extensions.Logging.ILogger<>), typeof(NullLogger<>)).AddSingleton<Microsoft.Extensions.Logging.ILoggerFactory>(NullLoggerFactory.Instance).BuildServiceProvider(),
        };
        context.Response.Body = new MemoryStream();
        await result.ExecuteAsync(context);
        context.Response.Body.Position = 0;
        var body = await JsonDocument.ParseAsync(context.Response.Body);
        return (context.Response.StatusCode, context.Response.ContentType!, body.RootElement.Clone());
    }

    [Theory]
    [InlineData(400, "invalid")]
    [InlineData(404, "not-found")]
    [InlineData(405, "not-supported")]
    [InlineData(408, "timeout")]
    [InlineData(412, "required")]
    [InlineData(413, "too-long")]
    [InlineData(415, "not-supported")]
    public async Task OperationOutcome_by_status(int status, string code)
    {
        var (actualStatus, contentType, body) = await Execute(OperationOutcomes.Problem(status, [("context.patientId", "context.patientId is required.")]));
        Assert.Equal(status, actualStatus);
        Assert.StartsWith("application/fhir+json", contentType);
        Assert.Equal("OperationOutcome", body.GetProperty("resourceType").GetString());
        var issue = Assert.Single(body.GetProperty("issue").EnumerateArray());
        Assert.Equal("error", issue.GetProperty("severity").GetString());
        Assert.Equal(code, issue.GetProperty("code").GetString());
        Assert.Equal("context.patientId is required.", issue.GetProperty("diagnostics").GetString());
        Assert.Equal("context.patientId", issue.GetProperty("expression")[0].GetString());
    }

    [Fact]
    public async Task Refused_request_answers_with_its_problems_and_the_draft_orders_explanation()
    {
        var result = SharedExamples.ReadRequest(SharedExamples.Envelope(HookNames.OrderSign, SharedExamples.PatientViewContext()), HookNames.OrderSign);
        var (status, _, body) = await Execute(result.ToProblemResult());
        Assert.Equal(400, status);
        var issue = Assert.Single(body.GetProperty("issue").EnumerateArray());
        Assert.Equal("required", issue.GetProperty("code").GetString());
        Assert.Equal("context.draftOrders", issue.GetProperty("expression")[0].GetString());
        Assert.Contains("unsigned-order scopes", issue.GetProperty("diagnostics").GetString());
        Assert.Equal("draft-orders-scope-missing", issue.GetProperty("details").GetProperty("coding")[0].GetProperty("code").GetString());
    }

    [Fact]
    public void OperationOutcome_is_valid_R4()
    {
        var json = OperationOutcomes.ToJson([new RequestProblem("prefetch['-user']", "bad", ProblemCode.Structure), new RequestProblem("", "x", ProblemCode.TooLong)]);
        var read = FhirResourceReader.Read(JsonDocument.Parse(json).RootElement, "$");
        Assert.True(read.Succeeded, string.Join("; ", read.Problems));
        Assert.Empty(read.ToleratedIssues);
        var empty = FhirResourceReader.Read(JsonDocument.Parse(OperationOutcomes.ToJson([])).RootElement, "$");
        Assert.True(empty.Succeeded);
    }

    [Fact]
    public void Empty_response_is_exactly_the_spec_no_guidance_example()
    {
        var expected = JsonNode.Parse(SharedExamples.Read("cds-hooks/examples/spec2.0-response-no-guidance-empty-cards.json"));
        var actual = JsonNode.Parse(CdsHookResponse.Empty.ToJson());
        Assert.True(JsonNode.DeepEquals(expected, actual), actual!.ToJsonString());
    }

    [Fact]
    public void Response_has_no_nulls_nor_empty_optional_members()
    {
        var card = new Card
        {
            Uuid = "1c9d5f0a-1111-4a5b-9c1d-aaaaaaaaaaaa",
            Summary = "Allergy to penicillin",
            Indicator = Indicators.Warning,
            Source = new CardSource { Label = "Rules", Topic = new Coding { Code = "drugallergy", System = "urn:x" } },
            Suggestions = [],
            Links = [],
            OverrideReasons = [new OverrideReason { Code = "x", System = "urn:x", Display = "X" }],
        };
        var json = CdsHookResponse.From([card], []).ToJson();
        Cds.Testing.CdsHooksAssert.ValidResponse(json);
        var node = JsonNode.Parse(json)!.AsObject();
        Assert.False(node.ContainsKey("systemActions"));
        var c = node["cards"]![0]!.AsObject();
        Assert.False(c.ContainsKey("suggestions"));
        Assert.False(c.ContainsKey("links"));
        Assert.False(c.ContainsKey("detail"));
        Assert.False(c.ContainsKey("extension"));
        Assert.Equal("drugallergy", (string?)c["source"]!["topic"]!["code"]);
        Assert.DoesNotContain("null", json, StringComparison.Ordinal);
    }

    [Fact]
    public void System_actions_are_written_when_present()
    {
        var resource = JsonDocument.Parse("""{"resourceType":"ServiceRequest","id":"sr-1","status":"draft","intent":"order"}""").RootElement;
        var json = CdsHookResponse.From([], [new CardAction { Type = "update", Description = "Set priority", Resource = resource }]).ToJson();
        Cds.Testing.CdsHooksAssert.ValidResponse(json);
        var node = JsonNode.Parse(json)!;
        Assert.Empty(node["cards"]!.AsArray());
        Assert.Equal("update", (string?)node["systemActions"]![0]!["type"]);
        Assert.Equal("ServiceRequest", (string?)node["systemActions"]![0]!["resource"]!["resourceType"]);
    }

    [Fact]
    public async Task Response_result_is_200_json()
    {
        var context = new DefaultHttpContext();
        context.RequestServices = new ServiceCollection().AddLogging().BuildServiceProvider();
        context.Response.Body = new MemoryStream();
        await CdsHookResponse.Empty.ToResult().ExecuteAsync(context);
        Assert.Equal(200, context.Response.StatusCode);
        Assert.StartsWith("application/json", context.Response.ContentType);
    }

    [Fact]
    public void Access_token_is_never_written()
    {
        var json = SharedExamples.Read("cds-hooks/examples/epic-patient-view-request.json");
        var token = JsonNode.Parse(json)!["fhirAuthorization"]!["access_token"]!.GetValue<string>();
        var result = SharedExamples.ReadRequest(json, HookNames.PatientView);
        var request = result.Request!;
        Assert.Equal(token, request.FhirAuthorization!.AccessToken);
        Assert.Equal(300, request.FhirAuthorization.ExpiresIn);
        Assert.Equal("aeac3da7-6481-45af-ad41-42e5e701141d", request.FhirAuthorization.Subject);
        Assert.Null(request.FhirAuthorization.Patient);
        Assert.DoesNotContain(token, request.FhirAuthorization.ToString(), StringComparison.Ordinal);
        Assert.DoesNotContain(token, request.ToString(), StringComparison.Ordinal);
        Assert.DoesNotContain("eXoGxqgBaJuNkuahMYmiDhg3", request.ToString(), StringComparison.Ordinal); // no patient id either
        Assert.DoesNotContain(token, JsonSerializer.Serialize(request.FhirAuthorization), StringComparison.Ordinal);
        Assert.DoesNotContain(token, string.Join("; ", result.Problems), StringComparison.Ordinal);
    }

    [Fact]
    public void Accepted_request_exposes_the_parsed_envelope()
    {
        var request = SharedExamples.ReadRequest(SharedExamples.Read("cds-hooks/examples/epic-patient-view-request.json"), HookNames.PatientView).Request!;
        Assert.Equal("f399c67c-c703-11ea-af16-460231621f93", request.HookInstance);
        Assert.Equal(new Uri("https://example.com/interconnect-instance-oauth/api/FHIR/R4"), request.FhirServer);
        Assert.Equal("eXoGxqgBaJuNkuahMYmiDhg3", request.ContextData.PatientId);
        Assert.Equal("PractitionerRole", request.ContextData.UserType);
        Assert.Equal("eFyoeOuWgXtlQmOQzPdkQWwy3s8a49yrUc-LtjwhWT6g3", request.ContextData.EncounterId);
        Assert.Null(request.ContextData.DraftOrders);
        Assert.Equal(JsonValueKind.Object, request.Context.ValueKind);
        Assert.Contains("Patient.Read (R4)", request.FhirAuthorization!.Scope, StringComparison.Ordinal);
    }

    [Fact]
    public void Unknown_context_members_are_kept_in_the_raw_context()
    {
        var context = SharedExamples.PatientViewContext();
        context["com.epic.somethingNew"] = new JsonObject { ["a"] = 1 };
        var request = SharedExamples.ReadRequest(SharedExamples.Envelope(HookNames.PatientView, context), HookNames.PatientView).Request!;
        Assert.Equal(1, request.Context.GetProperty("com.epic.somethingNew").GetProperty("a").GetInt32());
    }
}
