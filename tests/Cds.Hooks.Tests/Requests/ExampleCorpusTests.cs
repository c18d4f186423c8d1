using System.Text.Json.Nodes;
using Cds.Contracts;
using Cds.Hooks.Requests;

namespace Cds.Hooks.Tests.Requests;

/// <summary>
/// Every request, context, prefetch and feedback example in tests/data/cds-hooks/examples and tests/data/cds-hooks-captured, accepted
/// or refused as it should be, with the reason. Fragments (bare <c>context</c>, <c>prefetch</c>, <c>fhirAuthorization</c>) are put
/// into a minimal valid envelope for the hook their file is about. FHIR version rule: we serve R4; a draft order of a
/// resource type R4 does not have (DSTU2 <c>MedicationOrder</c>) is refused as not-supported, while STU3 leftovers inside R4
/// resource types (e.g. <c>Dosage.doseQuantity</c>) are unknown elements and tolerated.
/// </summary>
public sealed class ExampleCorpusTests
{
    /// <summary>How a file is turned into a request body.</summary>
    public enum Shape { Request, ContextFragment, BareContext, PrefetchFragment, AuthorizationFragment, Feedback }

    public sealed record Case(string File, Shape Shape, string Hook, bool Accepted, string Reason, string? ProblemPath = null, ProblemCode? ProblemCode = null);

    private const string Ex = "cds-hooks/examples/";
    private const string Inferno = "cds-hooks-captured/inferno-crd-fixtures/";
    private const string Sandbox = "cds-hooks-captured/sandbox-captured/";

    public static readonly IReadOnlyList<Case> Cases =
    [
        new(Ex + "spec2.0-patient-view-request.json", Shape.Request, HookNames.PatientView, true, "the spec's own complete patient-view request"),
        new(Ex + "spec2.0-request-with-extension.json", Shape.Request, HookNames.PatientView, false,
            "the spec's extension example has no context.patientId, which patient-view requires", "context.patientId", ProblemCode.Required),
        new(Ex + "epic-patient-view-request.json", Shape.Request, HookNames.PatientView, true,
            "Epic's documented request: '-user' key, category as object, Epic scope names, extension block all tolerated"),
        new(Ex + "COMPOSED-order-select-request-r4.json", Shape.Request, HookNames.OrderSelect, true, "complete R4 order-select; selections refer to draftOrders entries"),
        new(Ex + "COMPOSED-order-sign-request-r4.json", Shape.Request, HookNames.OrderSign, true, "complete R4 order-sign; an empty searchset prefetch is no data"),
        new(Ex + "spec3.0ballot-order-sign-request-paginated-prefetch.json", Shape.Request, HookNames.OrderSign, true,
            "ids with non-ASCII hyphens are tolerated; the paged prefetch keeps its next link"),
        new(Ex + "hooklib-patient-view-context-example1.json", Shape.ContextFragment, HookNames.PatientView, true, "PractitionerRole user, no encounter"),
        new(Ex + "hooklib-patient-view-context-example2-with-encounter.json", Shape.ContextFragment, HookNames.PatientView, true, "Practitioner user with encounter"),
        new(Ex + "hooklib-order-select-context-r4.json", Shape.ContextFragment, HookNames.OrderSelect, true, "R4 NutritionOrder + MedicationRequest, both selected"),
        new(Ex + "hooklib-order-select-context-stu3.json", Shape.ContextFragment, HookNames.OrderSelect, true,
            "STU3 shape differs only inside R4 types (Dosage.doseQuantity = unknown element): tolerated"),
        new(Ex + "hooklib-order-select-context-dstu2.json", Shape.ContextFragment, HookNames.OrderSelect, false,
            "DSTU2 MedicationOrder is not an R4 resource type: refused rather than silently dropping an order",
            "context.draftOrders.entry[1].resource.resourceType", ProblemCode.NotSupported),
        new(Ex + "hooklib-order-sign-context-r4.json", Shape.ContextFragment, HookNames.OrderSign, true, "R4 order-sign context"),
        new(Ex + "hooklib-order-sign-context-stu3.json", Shape.ContextFragment, HookNames.OrderSign, true, "STU3 leftovers inside R4 types are tolerated"),
        new(Ex + "hooklib-order-sign-context-dstu2.json", Shape.ContextFragment, HookNames.OrderSign, false,
            "DSTU2 MedicationOrder is not an R4 resource type", "context.draftOrders.entry[1].resource.resourceType", ProblemCode.NotSupported),
        new(Ex + "epic-order-context-draftOrders-with-medication-entries.json", Shape.ContextFragment, HookNames.OrderSign, true,
            "Epic (Feb 2024+) draftOrders with Medication entries: references resolved, Medications not orders"),
        new(Ex + "spec3.0ballot-order-sign-context-epic-style-medicationReference.json", Shape.ContextFragment, HookNames.OrderSign, true,
            "medicationReference without Medication entries: accepted, reference reported unresolved"),
        new(Ex + "spec2.0-context-draftOrders-not-tokenizable.json", Shape.ContextFragment, HookNames.OrderSign, false,
            "a draftOrders illustration without patientId/userId: the context is incomplete", "context.patientId", ProblemCode.Required),
        new(Ex + "spec2.0-context-draftOrders-with-medicationRequestId.json", Shape.ContextFragment, HookNames.OrderSign, false,
            "a draftOrders illustration without patientId/userId: the context is incomplete", "context.userId", ProblemCode.Required),
        new(Ex + "spec2.0-prefetch-data-example.json", Shape.PrefetchFragment, HookNames.PatientView, false,
            "prefetch 'user' is the string \"123\", not a FHIR resource or null", "prefetch.user", ProblemCode.Invalid),
        new(Ex + "spec2.0-fhirAuthorization.json", Shape.AuthorizationFragment, HookNames.PatientView, true, "complete fhirAuthorization with fhirServer"),
        new(Inferno + "order_select_hook_request.json", Shape.Request, HookNames.OrderSelect, true, "Bundle without type is tolerated"),
        new(Inferno + "order_sign_hook_request.json", Shape.Request, HookNames.OrderSign, true, "resource extensions inside draftOrders are kept"),
        new(Inferno + "order_select_context.json", Shape.BareContext, HookNames.OrderSelect, true, "a bare order-select context object"),
        new(Inferno + "fancy_structure_hook_request.json", Shape.Request, HookNames.PatientView, false,
            "hook 'fancy-structure' is not the hook of a patient-view service", "hook", ProblemCode.Invalid),
        new(Sandbox + "order-select-request-with-medication.json", Shape.Request, HookNames.OrderSelect, true,
            "the CDS Hooks Sandbox sends MedicationRequest.category as an object and no Bundle.type"),
        new(Ex + "spec2.0-feedback-accepted.json", Shape.Feedback, "", true, "spec accepted suggestion"),
        new(Ex + "spec2.0-feedback-overridden-no-reason.json", Shape.Feedback, "", true, "spec overridden without reason"),
        new(Ex + "spec2.0-feedback-overridden-with-reason.json", Shape.Feedback, "", true, "spec overridden with overrideReason"),
        new(Ex + "epic-feedback-accepted.json", Shape.Feedback, "", true, "Epic accepted, card id '123456' (not a UUID)"),
        new(Ex + "epic-feedback-overridden-with-reason.json", Shape.Feedback, "", true, "Epic's plural overrideReasons"),
        new(Ex + "epic-feedback-overridden-with-epic-extension.json", Shape.Feedback, "", true, "Epic's reason as extension keys"),
    ];

    /// <summary>Files that are not requests or feedback (discovery, cards, JWTs, templates, error bodies, screenshots).</summary>
    public static readonly IReadOnlyDictionary<string, string> NotRequests = new Dictionary<string, string>
    {
        [Ex + "README.md"] = "index",
        [Ex + "epic-card-response-basic.trailing-commas-removed.json"] = "card response",
        [Ex + "epic-card-response-basic.verbatim-INVALID-JSON.txt"] = "card response",
        [Ex + "epic-card-response-links-overrides-suggestions.trailing-commas-removed.json"] = "card response",
        [Ex + "epic-card-response-links-overrides-suggestions.verbatim-INVALID-JSON.txt"] = "card response",
        [Ex + "epic-jwt-header.json"] = "JWT",
        [Ex + "epic-jwt-payload.json"] = "JWT",
        [Ex + "spec2.0-action-create.json"] = "card action",
        [Ex + "spec2.0-action-delete.json"] = "card action",
        [Ex + "spec2.0-action-update.json"] = "card action",
        [Ex + "spec2.0-card-overrideReasons.json"] = "card",
        [Ex + "spec2.0-card-response-autolaunchable.json"] = "card response",
        [Ex + "spec2.0-card-response-links-overrideReasons.json"] = "card response",
        [Ex + "spec2.0-card-source-with-topic.json"] = "card",
        [Ex + "spec2.0-discovery-response.json"] = "discovery",
        [Ex + "spec2.0-discovery-with-extension.json"] = "discovery",
        [Ex + "spec2.0-jwk-private-EXAMPLE-ONLY.json"] = "JWK",
        [Ex + "spec2.0-jwks-public.json"] = "JWKS",
        [Ex + "spec2.0-jwt-authorization-header.txt"] = "JWT",
        [Ex + "spec2.0-jwt-header.json"] = "JWT",
        [Ex + "spec2.0-jwt-payload.json"] = "JWT",
        [Ex + "spec2.0-prefetch-template-hemoglobin-a1c.json"] = "prefetch template (discovery side)",
        [Ex + "spec2.0-prefetch-template-user-practitionerrole-search.json"] = "prefetch template",
        [Ex + "spec2.0-prefetch-template-user-read.json"] = "prefetch template",
        [Ex + "spec2.0-prefetch-templates-example.json"] = "prefetch templates",
        [Ex + "spec2.0-response-no-guidance-empty-cards.json"] = "response (see CdsHookResponseTests)",
        [Ex + "spec2.0-response-systemActions.json"] = "response",
        [Ex + "spec3.0ballot-412-operationoutcome-body.json"] = "error body",
        [Ex + "spec3.0ballot-prefetch-fhirpath-chained-variables.json"] = "prefetch template (3.0 ballot)",
        [Ex + "spec3.0ballot-prefetch-fhirpath-meds-prescriber-appointments.json"] = "prefetch template (3.0 ballot)",
        [Ex + "spec3.0ballot-prefetch-fhirpath-relative-date.json"] = "prefetch template (3.0 ballot)",
        [Inferno + "crd_authorization_hook_response.json"] = "card response",
        [Inferno + "valid_cards.json"] = "cards",
        [Inferno + "card_responses/companions_prerequisites.json"] = "card template",
        [Inferno + "card_responses/create_update_coverage_information.json"] = "card template",
        [Inferno + "card_responses/external_reference.json"] = "card template",
        [Inferno + "card_responses/instructions.json"] = "card template",
        [Inferno + "card_responses/launch_smart_app.json"] = "card template",
        [Inferno + "card_responses/propose_alternate_request.json"] = "card template",
        [Inferno + "card_responses/request_form_completion.json"] = "card template",
        [Sandbox + "order-select-med.png"] = "screenshot",
        [Sandbox + "patient-view.png"] = "screenshot",
        [Sandbox + "sandbox-calls-patient-view-and-order-select.json"] = "captured calls: each POST body is checked in SandboxCapturedCalls",
    };

    public static TheoryData<string> CaseIds()
    {
        var data = new TheoryData<string>();
        foreach (var c in Cases)
            data.Add(c.File);
        return data;
    }

    [Fact]
    public void Every_example_file_is_classified()
    {
        var files = Directory.EnumerateFiles(SharedExamples.ExamplesDir, "*", SearchOption.AllDirectories)
            .Concat(Directory.EnumerateFiles(SharedExamples.DataDir, "*", SearchOption.AllDirectories))
            .Select(f => Path.GetRelativePath(SharedExamples.DataRoot, f).Replace('\\', '/'))
            .ToList();
        var known = Cases.Select(c => c.File).Concat(NotRequests.Keys).ToHashSet();
        var unclassified = files.Where(f => !known.Contains(f)).ToList();
        Assert.True(unclassified.Count == 0, "Unclassified example files: " + string.Join(", ", unclassified));
        Assert.All(known, k => Assert.Contains(k, files));
    }

    [Theory]
    [MemberData(nameof(CaseIds))]
    public void Example_is_accepted_or_refused_as_documented(string file)
    {
        var c = Cases.Single(x => x.File == file);
        var json = SharedExamples.Read(c.File);

        if (c.Shape == Shape.Feedback)
        {
            var feedback = FeedbackReader.Read(SharedExamples.Bytes(json), "svc");
            Assert.True(feedback.Succeeded == c.Accepted, $"{c.Reason}: {string.Join("; ", feedback.Problems)}");
            Assert.NotEmpty(feedback.Items);
            return;
        }

        var body = ToBody(c, json);
        var result = SharedExamples.ReadRequest(body, c.Hook);
        Assert.Null(result.ReaderFault);
        Assert.True(result.Succeeded == c.Accepted, $"{c.Reason}: {string.Join("; ", result.Problems)}");
        if (c.Accepted)
        {
            Assert.Equal(200, result.StatusCode);
            Assert.Equal(c.Hook, result.Request!.Hook);
            Assert.False(result.Request.Stripped.IsStripped);
        }
        else
        {
            Assert.Equal(400, result.StatusCode);
            Assert.Contains(result.Problems, p => p.Path == c.ProblemPath && p.Code == c.ProblemCode);
        }
    }

    [Fact]
    public void Sandbox_captured_calls_are_accepted_for_their_hook()
    {
        var calls = JsonNode.Parse(SharedExamples.Read(Sandbox + "sandbox-calls-patient-view-and-order-select.json"))!.AsArray();
        var posts = calls.Where(c => (string?)c!["method"] == "POST").ToList();
        Assert.Equal(3, posts.Count);
        foreach (var call in posts)
        {
            var body = call!["body"]!;
            var result = SharedExamples.ReadRequest(body, (string)body["hook"]!);
            Assert.True(result.Succeeded, string.Join("; ", result.Problems));
        }
    }

    [Fact]
    public void Prefetch_example_is_accepted_when_invalid_prefetch_is_treated_as_missing()
    {
        var body = ToBody(Cases.Single(c => c.Shape == Shape.PrefetchFragment), SharedExamples.Read(Ex + "spec2.0-prefetch-data-example.json"));
        var result = SharedExamples.ReadRequest(body, HookNames.PatientView, new HookRequestReaderOptions { InvalidPrefetch = InvalidPrefetchHandling.TreatAsMissing });
        Assert.True(result.Succeeded, string.Join("; ", result.Problems));
        var prefetch = result.Request!.Prefetch;
        Assert.Equal(PrefetchState.Provided, prefetch.StateOf("patient"));
        Assert.Equal(PrefetchState.Provided, prefetch.StateOf("hemoglobin-a1c"));
        Assert.Equal(PrefetchState.Missing, prefetch.StateOf("user"));
        Assert.True(prefetch.Get("user").WasInvalid);
    }

    internal static JsonNode ToBody(Case c, string json)
    {
        var node = JsonNode.Parse(json)!;
        return c.Shape switch
        {
            Shape.Request => node,
            Shape.ContextFragment => SharedExamples.Envelope(c.Hook, node["context"]!.DeepClone()),
            Shape.BareContext => SharedExamples.Envelope(c.Hook, node.DeepClone()),
            Shape.PrefetchFragment => SharedExamples.Envelope(c.Hook, SharedExamples.PatientViewContext(), prefetch: node["prefetch"]!.DeepClone()),
            Shape.AuthorizationFragment => SharedExamples.Envelope(c.Hook, SharedExamples.PatientViewContext(), fhirAuthorization: node["fhirAuthorization"]!.DeepClone()),
            _ => throw new ArgumentOutOfRangeException(nameof(c)),
        };
    }
}
