using System.Text;
using System.Text.Json.Nodes;
using Cds.Contracts;
using Cds.Hooks.Requests;

namespace Cds.Hooks.Tests.Requests;

/// <summary>Bad input of every kind becomes problems with a field path and the right status — never an exception.</summary>
public sealed class BadInputCorpusTests
{
    public sealed record BadCase(string Name, Func<byte[]> Body, string Hook, int Status, string Path, ProblemCode Code);

    private static JsonObject ValidPatientView() => SharedExamples.Envelope(HookNames.PatientView, SharedExamples.PatientViewContext());

    private static JsonObject ValidOrderSign() =>
        SharedExamples.Envelope(HookNames.OrderSign, SharedExamples.OrderContext(SharedExamples.Bundle(SharedExamples.MedicationRequest("mr1"))));

    private static JsonObject ValidOrderSelect() =>
        SharedExamples.Envelope(HookNames.OrderSelect, SharedExamples.OrderContext(SharedExamples.Bundle(SharedExamples.MedicationRequest("mr1")), "MedicationRequest/mr1"));

    private static Func<byte[]> Mutated(Func<JsonObject> valid, Action<JsonObject> change) => () =>
    {
        var body = valid();
        change(body);
        return Encoding.UTF8.GetBytes(body.ToJsonString());
    };

    private static Func<byte[]> Raw(string text) => () => Encoding.UTF8.GetBytes(text);

    private static string Nested(int depth) => new string('[', depth) + new string(']', depth);

    private static JsonObject Ctx(JsonObject body) => body["context"]!.AsObject();

    private static JsonObject FirstDraft(JsonObject body) => body["context"]!["draftOrders"]!["entry"]![0]!["resource"]!.AsObject();

    public static readonly IReadOnlyList<BadCase> Cases =
    [
        // body level
        new("empty body", Raw(""), HookNames.PatientView, 400, "$", ProblemCode.Required),
        new("whitespace body", Raw("  \r\n "), HookNames.PatientView, 400, "$", ProblemCode.Required),
        new("JSON null", Raw("null"), HookNames.PatientView, 400, "$", ProblemCode.Structure),
        new("JSON array", Raw("[]"), HookNames.PatientView, 400, "$", ProblemCode.Structure),
        new("JSON number", Raw("42"), HookNames.PatientView, 400, "$", ProblemCode.Structure),
        new("JSON string", Raw("\"patient-view\""), HookNames.PatientView, 400, "$", ProblemCode.Structure),
        new("unclosed object", Raw("{"), HookNames.PatientView, 400, "$", ProblemCode.Structure),
        new("truncated member", Raw("{\"hook\":"), HookNames.PatientView, 400, "$", ProblemCode.Structure),
        new("truncated Epic request", () => { var b = Encoding.UTF8.GetBytes(SharedExamples.Read("cds-hooks/examples/epic-patient-view-request.json")); return b[..(b.Length / 2)]; },
            HookNames.PatientView, 400, "$", ProblemCode.Structure),
        new("trailing comma", Raw("{\"hook\":\"patient-view\",}"), HookNames.PatientView, 400, "$", ProblemCode.Structure),
        new("comment", Raw("{/* x */\"hook\":\"patient-view\"}"), HookNames.PatientView, 400, "$", ProblemCode.Structure),
        new("two JSON values", Raw("{} {}"), HookNames.PatientView, 400, "$", ProblemCode.Structure),
        new("duplicate member", Raw("{\"hook\":\"patient-view\",\"hook\":\"order-sign\"}"), HookNames.PatientView, 400, "$", ProblemCode.Structure),
        new("invalid UTF-8", () => [0x7B, 0x22, 0x68, 0xC3, 0x28, 0x22, 0x3A, 0x31, 0x7D], HookNames.PatientView, 400, "$", ProblemCode.Structure),
        new("nested 100 deep", Mutated(ValidPatientView, b => b["context"]!["x"] = JsonNode.Parse(Nested(100), documentOptions: new System.Text.Json.JsonDocumentOptions { MaxDepth = 200 })), HookNames.PatientView, 400, "$", ProblemCode.Structure),
        new("nested 100000 deep", Raw("{\"context\":" + Nested(100_000) + "}"), HookNames.PatientView, 400, "$", ProblemCode.Structure),
        new("oversized array", Mutated(ValidOrderSelect, b => Ctx(b)["selections"] = new JsonArray(Enumerable.Range(0, 20_001).Select(i => (JsonNode)JsonValue.Create("MedicationRequest/" + i)).ToArray())),
            HookNames.OrderSelect, 400, "context.selections", ProblemCode.TooLong),
        new("oversized array in prefetch", Mutated(ValidPatientView, b => b["prefetch"] = new JsonObject { ["x"] = new JsonObject { ["resourceType"] = "Bundle", ["entry"] = new JsonArray(Enumerable.Range(0, 10_001).Select(_ => (JsonNode)new JsonObject()).ToArray()) } }),
            HookNames.PatientView, 400, "prefetch.x.entry", ProblemCode.TooLong),

        // envelope
        new("hook missing", Mutated(ValidPatientView, b => b.Remove("hook")), HookNames.PatientView, 400, "hook", ProblemCode.Required),
        new("hook null", Mutated(ValidPatientView, b => b["hook"] = null), HookNames.PatientView, 400, "hook", ProblemCode.Required),
        new("hook number", Mutated(ValidPatientView, b => b["hook"] = 5), HookNames.PatientView, 400, "hook", ProblemCode.Invalid),
        new("hook of another service", Mutated(ValidPatientView, b => b["hook"] = "order-sign"), HookNames.PatientView, 400, "hook", ProblemCode.Invalid),
        new("hookInstance missing", Mutated(ValidPatientView, b => b.Remove("hookInstance")), HookNames.PatientView, 400, "hookInstance", ProblemCode.Required),
        new("hookInstance empty", Mutated(ValidPatientView, b => b["hookInstance"] = ""), HookNames.PatientView, 400, "hookInstance", ProblemCode.Required),
        new("hookInstance object", Mutated(ValidPatientView, b => b["hookInstance"] = new JsonObject()), HookNames.PatientView, 400, "hookInstance", ProblemCode.Invalid),
        new("fhirServer not a URL", Mutated(ValidPatientView, b => b["fhirServer"] = "not a url"), HookNames.PatientView, 400, "fhirServer", ProblemCode.Invalid),
        new("fhirServer ftp", Mutated(ValidPatientView, b => b["fhirServer"] = "ftp://ehr/fhir"), HookNames.PatientView, 400, "fhirServer", ProblemCode.Invalid),
        new("fhirServer number", Mutated(ValidPatientView, b => b["fhirServer"] = 1), HookNames.PatientView, 400, "fhirServer", ProblemCode.Invalid),
        new("fhirAuthorization without fhirServer", Mutated(ValidPatientView, b => { b.Remove("fhirServer"); b["fhirAuthorization"] = Auth(); }),
            HookNames.PatientView, 400, "fhirServer", ProblemCode.Required),
        new("fhirAuthorization array", Mutated(ValidPatientView, b => b["fhirAuthorization"] = new JsonArray()), HookNames.PatientView, 400, "fhirAuthorization", ProblemCode.Invalid),
        new("access_token missing", Mutated(ValidPatientView, b => { var a = Auth(); a.Remove("access_token"); b["fhirAuthorization"] = a; }),
            HookNames.PatientView, 400, "fhirAuthorization.access_token", ProblemCode.Required),
        new("token_type MAC", Mutated(ValidPatientView, b => { var a = Auth(); a["token_type"] = "MAC"; b["fhirAuthorization"] = a; }),
            HookNames.PatientView, 400, "fhirAuthorization.token_type", ProblemCode.Invalid),
        new("expires_in string", Mutated(ValidPatientView, b => { var a = Auth(); a["expires_in"] = "300"; b["fhirAuthorization"] = a; }),
            HookNames.PatientView, 400, "fhirAuthorization.expires_in", ProblemCode.Invalid),
        new("subject missing", Mutated(ValidPatientView, b => { var a = Auth(); a.Remove("subject"); b["fhirAuthorization"] = a; }),
            HookNames.PatientView, 400, "fhirAuthorization.subject", ProblemCode.Required),
        new("extension string", Mutated(ValidPatientView, b => b["extension"] = "x"), HookNames.PatientView, 400, "extension", ProblemCode.Invalid),
        new("prefetch array", Mutated(ValidPatientView, b => b["prefetch"] = new JsonArray()), HookNames.PatientView, 400, "prefetch", ProblemCode.Invalid),

        // context
        new("context missing", Mutated(ValidPatientView, b => b.Remove("context")), HookNames.PatientView, 400, "context", ProblemCode.Required),
        new("context array", Mutated(ValidPatientView, b => b["context"] = new JsonArray()), HookNames.PatientView, 400, "context", ProblemCode.Invalid),
        new("patientId missing", Mutated(ValidPatientView, b => Ctx(b).Remove("patientId")), HookNames.PatientView, 400, "context.patientId", ProblemCode.Required),
        new("patientId number", Mutated(ValidPatientView, b => Ctx(b)["patientId"] = 12), HookNames.PatientView, 400, "context.patientId", ProblemCode.Invalid),
        new("patientId blank", Mutated(ValidPatientView, b => Ctx(b)["patientId"] = "  "), HookNames.PatientView, 400, "context.patientId", ProblemCode.Required),
        new("patientId control chars", Mutated(ValidPatientView, b => Ctx(b)["patientId"] = "a\u0000b"), HookNames.PatientView, 400, "context.patientId", ProblemCode.Invalid),
        new("patientId too long", Mutated(ValidPatientView, b => Ctx(b)["patientId"] = new string('e', 2000)), HookNames.PatientView, 400, "context.patientId", ProblemCode.TooLong),
        new("userId not a reference", Mutated(ValidPatientView, b => Ctx(b)["userId"] = "bob"), HookNames.PatientView, 400, "context.userId", ProblemCode.Invalid),
        new("userId a Device", Mutated(ValidPatientView, b => Ctx(b)["userId"] = "Device/1"), HookNames.PatientView, 400, "context.userId", ProblemCode.Invalid),
        new("encounterId number", Mutated(ValidPatientView, b => Ctx(b)["encounterId"] = 7), HookNames.PatientView, 400, "context.encounterId", ProblemCode.Invalid),

        // draftOrders / selections
        new("order-sign without draftOrders", Mutated(ValidOrderSign, b => Ctx(b).Remove("draftOrders")), HookNames.OrderSign, 400, "context.draftOrders", ProblemCode.DraftOrdersScopeMissing),
        new("order-select without draftOrders", Mutated(ValidOrderSelect, b => Ctx(b).Remove("draftOrders")), HookNames.OrderSelect, 400, "context.draftOrders", ProblemCode.DraftOrdersScopeMissing),
        new("draftOrders array", Mutated(ValidOrderSign, b => Ctx(b)["draftOrders"] = new JsonArray()), HookNames.OrderSign, 400, "context.draftOrders", ProblemCode.Invalid),
        new("draftOrders a Patient", Mutated(ValidOrderSign, b => Ctx(b)["draftOrders"] = new JsonObject { ["resourceType"] = "Patient" }), HookNames.OrderSign, 400, "context.draftOrders", ProblemCode.Invalid),
        new("draft subject as string", Mutated(ValidOrderSign, b => FirstDraft(b)["subject"] = "Patient/1"), HookNames.OrderSign, 400, "context.draftOrders.entry[0].resource.subject", ProblemCode.Structure),
        new("draft subject as two-item array", Mutated(ValidOrderSign, b => FirstDraft(b)["subject"] = new JsonArray(new JsonObject { ["reference"] = "Patient/1" }, new JsonObject { ["reference"] = "Patient/2" })), HookNames.OrderSign, 400, "context.draftOrders.entry[0].resource.subject", ProblemCode.Invalid),
        new("draft dosage as number", Mutated(ValidOrderSign, b => FirstDraft(b)["dosageInstruction"] = 3), HookNames.OrderSign, 400, "context.draftOrders.entry[0].resource.dosageInstruction[0]", ProblemCode.Structure),
        new("draft code as object", Mutated(ValidOrderSign, b => FirstDraft(b)["intent"] = new JsonObject { ["x"] = 1 }), HookNames.OrderSign, 400, "context.draftOrders.entry[0].resource.intent", ProblemCode.Structure),
        new("draft without resourceType", Mutated(ValidOrderSign, b => FirstDraft(b).Remove("resourceType")), HookNames.OrderSign, 400, "context.draftOrders.entry[0].resource.resourceType", ProblemCode.Required),
        new("draft of unknown type", Mutated(ValidOrderSign, b => FirstDraft(b)["resourceType"] = "MedicationOrder"), HookNames.OrderSign, 400, "context.draftOrders.entry[0].resource.resourceType", ProblemCode.NotSupported),
        new("draft entry array nested", Mutated(ValidOrderSign, b => FirstDraft(b)["note"] = JsonNode.Parse("[[{\"text\":\"x\"}]]")), HookNames.OrderSign, 400, "context.draftOrders.entry[0].resource.note[0]", ProblemCode.Structure),
        new("selections missing", Mutated(ValidOrderSelect, b => Ctx(b).Remove("selections")), HookNames.OrderSelect, 400, "context.selections", ProblemCode.Required),
        new("selections empty", Mutated(ValidOrderSelect, b => Ctx(b)["selections"] = new JsonArray()), HookNames.OrderSelect, 400, "context.selections", ProblemCode.Required),
        new("selections string", Mutated(ValidOrderSelect, b => Ctx(b)["selections"] = "MedicationRequest/mr1"), HookNames.OrderSelect, 400, "context.selections", ProblemCode.Invalid),
        new("selection number", Mutated(ValidOrderSelect, b => Ctx(b)["selections"] = new JsonArray(1)), HookNames.OrderSelect, 400, "context.selections[0]", ProblemCode.Invalid),
        new("selection not in draftOrders", Mutated(ValidOrderSelect, b => Ctx(b)["selections"] = new JsonArray("MedicationRequest/other")), HookNames.OrderSelect, 400, "context.selections[0]", ProblemCode.Invalid),

        // prefetch FHIR
        new("prefetch string value", Mutated(ValidPatientView, b => b["prefetch"] = new JsonObject { ["patient"] = "Patient/1" }), HookNames.PatientView, 400, "prefetch.patient", ProblemCode.Invalid),
        new("prefetch odd key string value", Mutated(ValidPatientView, b => b["prefetch"] = new JsonObject { ["-user"] = 5 }), HookNames.PatientView, 400, "prefetch['-user']", ProblemCode.Invalid),
        new("prefetch gender object", Mutated(ValidPatientView, b => b["prefetch"] = new JsonObject { ["patient"] = new JsonObject { ["resourceType"] = "Patient", ["gender"] = new JsonObject() } }),
            HookNames.PatientView, 400, "prefetch.patient.gender", ProblemCode.Structure),
        new("prefetch unknown resource type", Mutated(ValidPatientView, b => b["prefetch"] = new JsonObject { ["x"] = new JsonObject { ["resourceType"] = "Foo" } }),
            HookNames.PatientView, 400, "prefetch.x.resourceType", ProblemCode.NotSupported),
        new("prefetch bundle entry broken", Mutated(ValidPatientView, b => b["prefetch"] = new JsonObject { ["meds"] = new JsonObject { ["resourceType"] = "Bundle", ["entry"] = new JsonArray(new JsonObject { ["resource"] = new JsonObject { ["resourceType"] = "MedicationRequest", ["subject"] = 5 } }) } }),
            HookNames.PatientView, 400, "prefetch.meds.entry[0].resource.subject", ProblemCode.Structure),
    ];

    private static JsonObject Auth() => new()
    {
        ["access_token"] = "some-opaque-fhir-access-token",
        ["token_type"] = "Bearer",
        ["expires_in"] = 300,
        ["scope"] = "Patient.Read (R4)",
        ["subject"] = "cds-client",
    };

    public static TheoryData<string> CaseNames()
    {
        var data = new TheoryData<string>();
        foreach (var c in Cases)
            data.Add(c.Name);
        return data;
    }

    [Theory]
    [MemberData(nameof(CaseNames))]
    public void Bad_input_becomes_a_problem_never_an_exception(string name)
    {
        var c = Cases.Single(x => x.Name == name);
        var result = HookRequestReader.Read(c.Body(), c.Hook);
        Assert.Null(result.ReaderFault);
        Assert.False(result.Succeeded);
        Assert.Equal(c.Status, result.StatusCode);
        Assert.True(result.Problems.Any(p => p.Path == c.Path && p.Code == c.Code),
            $"expected {c.Path} ({c.Code}); got: {string.Join("; ", result.Problems.Select(p => $"{p.Path} [{p.Code}] {p.Message}"))}");
    }

    [Fact]
    public void Valid_bases_of_the_corpus_are_accepted()
    {
        Assert.True(SharedExamples.ReadRequest(ValidPatientView(), HookNames.PatientView).Succeeded);
        Assert.True(SharedExamples.ReadRequest(ValidOrderSign(), HookNames.OrderSign).Succeeded);
        var select = SharedExamples.ReadRequest(ValidOrderSelect(), HookNames.OrderSelect);
        Assert.True(select.Succeeded, string.Join("; ", select.Problems));
        var withAuth = ValidPatientView();
        withAuth["fhirAuthorization"] = Auth();
        Assert.True(SharedExamples.ReadRequest(withAuth, HookNames.PatientView).Succeeded);
    }

    [Fact]
    public void Body_over_the_limit_is_413()
    {
        var options = new HookRequestReaderOptions { MaxBodyBytes = 100 };
        var bytes = Encoding.UTF8.GetBytes(ValidPatientView().ToJsonString());
        Assert.True(bytes.Length > 100);
        var result = HookRequestReader.Read(bytes, HookNames.PatientView, options);
        Assert.Equal(413, result.StatusCode);
        Assert.Contains(result.Problems, p => p.Code == ProblemCode.TooLong);
    }

    [Fact]
    public async Task Stream_over_the_limit_is_413_and_within_is_read()
    {
        var bytes = Encoding.UTF8.GetBytes(ValidPatientView().ToJsonString());
        var tooSmall = new HookRequestReaderOptions { MaxBodyBytes = bytes.Length - 1 };
        var refused = await HookRequestReader.ReadAsync(new MemoryStream(bytes), HookNames.PatientView, tooSmall);
        Assert.Equal(413, refused.StatusCode);

        var exact = new HookRequestReaderOptions { MaxBodyBytes = bytes.Length };
        var accepted = await HookRequestReader.ReadAsync(new MemoryStream(bytes), HookNames.PatientView, exact);
        Assert.True(accepted.Succeeded, string.Join("; ", accepted.Problems));

        var big = Encoding.UTF8.GetBytes(SharedExamples.Read("cds-hooks/examples/epic-patient-view-request.json"));
        var bigRead = await HookRequestReader.ReadAsync(new MemoryStream(big), HookNames.PatientView);
        Assert.True(bigRead.Succeeded, string.Join("; ", bigRead.Problems));
    }

    [Fact]
    public void Random_mutations_of_a_real_request_never_throw()
    {
        var original = Encoding.UTF8.GetBytes(SharedExamples.Read("cds-hooks/examples/epic-patient-view-request.json"));
        var random = new Random(20261128);
        for (var i = 0; i < 300; i++)
        {
            var bytes = (byte[])original.Clone();
            var flips = random.Next(1, 6);
            for (var f = 0; f < flips; f++)
                bytes[random.Next(bytes.Length)] = (byte)random.Next(256);
            var cut = random.Next(2) == 0 ? bytes : bytes[..random.Next(bytes.Length)];
            var result = HookRequestReader.Read(cut, HookNames.PatientView);
            Assert.True(result.ReaderFault is null, $"iteration {i}: {result.ReaderFault}");
            Assert.True(result.Succeeded || result.Problems.Count > 0);
        }
    }

    [Fact]
    public void Utf8_bom_is_tolerated()
    {
        var bytes = Encoding.UTF8.GetPreamble().Concat(Encoding.UTF8.GetBytes(ValidPatientView().ToJsonString())).ToArray();
        var result = HookRequestReader.Read(bytes, HookNames.PatientView);
        Assert.True(result.Succeeded, string.Join("; ", result.Problems));
    }

    [Fact]
    public void Unserved_hook_is_a_programming_error()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => HookRequestReader.Read("{}"u8, "appointment-book"));
    }

    [Theory]
    [InlineData("application/json", true)]
    [InlineData("application/json; charset=utf-8", true)]
    [InlineData("Application/FHIR+JSON", true)]
    [InlineData("text/plain", false)]
    [InlineData("application/x-www-form-urlencoded", false)]
    [InlineData("", false)]
    [InlineData(null, false)]
    public void Content_type_check_for_415(string? contentType, bool accepted) =>
        Assert.Equal(accepted, HookRequestReader.IsJsonContentType(contentType));
}

public sealed class ProblemMessagesEchoNoValuesTests
{
    [Fact]
    public void Free_text_from_the_input_is_not_echoed_in_problems()
    {
        const string secret = "Jane Doe 1961-02-03";
        var order = SharedExamples.MedicationRequest("mr-1");
        order["status"] = secret;
        order["authoredOn"] = secret;
        order[secret] = 1;
        var bad = new System.Text.Json.Nodes.JsonObject { ["resourceType"] = secret };
        var context = SharedExamples.OrderContext(SharedExamples.Bundle(order, bad));
        context["patientId"] = 5;
        var body = SharedExamples.Envelope(HookNames.OrderSign, context);
        body["hook"] = secret;
        var result = SharedExamples.ReadRequest(body, HookNames.OrderSign);
        Assert.False(result.Succeeded);
        Assert.Contains(result.Problems, p => p.Path == "context.draftOrders.entry[1].resource.resourceType");
        Assert.DoesNotContain(result.Problems, p => p.Message.Contains("Jane", StringComparison.Ordinal) || p.Path.Contains("Jane", StringComparison.Ordinal));
    }
}

public sealed class ServerBodyRefusalTests
{
    private sealed class RefusingStream(int status) : MemoryStream
    {
        public override ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default) =>
            throw new Microsoft.AspNetCore.Http.BadHttpRequestException("refused by the server", status);
    }

    [Theory]
    [InlineData(413, 413)]
    [InlineData(400, 400)]
    public async Task Server_refusals_while_reading_the_body_become_results(int thrown, int expected)
    {
        var hook = await HookRequestReader.ReadAsync(new RefusingStream(thrown), HookNames.PatientView);
        Assert.Equal(expected, hook.StatusCode);
        Assert.False(hook.Succeeded);
        var feedback = await FeedbackReader.ReadAsync(new RefusingStream(thrown), "s");
        Assert.Equal(expected, feedback.StatusCode);
    }

    [Fact]
    public void Default_options_are_not_shared()
    {
        HookRequestReaderOptions.Default.MaxDepth = 1;
        Assert.Equal(64, HookRequestReaderOptions.Default.MaxDepth);
    }
}
