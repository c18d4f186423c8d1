using System.Text.Json.Nodes;
using Cds.Contracts;
using Cds.Hooks.Requests;

namespace Cds.Hooks.Tests.Requests;

public sealed class DraftOrdersTests
{
    private static HookRequest ReadOk(JsonNode body, string hook)
    {
        var result = SharedExamples.ReadRequest(body, hook);
        Assert.True(result.Succeeded, string.Join("; ", result.Problems));
        return result.Request!;
    }

    private static DraftOrderSet EpicDraftOrders()
    {
        var context = JsonNode.Parse(SharedExamples.Read("cds-hooks/examples/epic-order-context-draftOrders-with-medication-entries.json"))!["context"]!.DeepClone();
        return ReadOk(SharedExamples.Envelope(HookNames.OrderSign, context), HookNames.OrderSign).ContextData.DraftOrders!;
    }

    [Fact]
    public void Epic_medication_entries_resolve_references_and_are_not_orders()
    {
        var drafts = EpicDraftOrders();
        Assert.Equal(2, drafts.Medications.Count);
        Assert.Equal(2, drafts.ReferencedMedications.Count);
        Assert.Empty(drafts.OtherOrders);
        Assert.Empty(drafts.UnresolvedMedicationReferences);

        var dextromethorphan = drafts.Medications[0];
        Assert.StartsWith("ez067mnwOAKP5z1.YJwRAsd9", dextromethorphan.RequestId);
        Assert.Equal("dextromethorphan syrup 15 mg/5mL", dextromethorphan.Text);
        Assert.Contains(dextromethorphan.Codes, c => c.System == CodeSystems.RxNorm && c.Code == "1090496");
        Assert.Contains(drafts.Medications[1].Codes, c => c.System == CodeSystems.RxNorm && c.Code == "197931");
    }

    [Fact]
    public void Unresolved_medication_reference_keeps_the_display_and_is_reported()
    {
        var context = JsonNode.Parse(SharedExamples.Read("cds-hooks/examples/spec3.0ballot-order-sign-context-epic-style-medicationReference.json"))!["context"]!.DeepClone();
        var drafts = ReadOk(SharedExamples.Envelope(HookNames.OrderSign, context), HookNames.OrderSign).ContextData.DraftOrders!;
        Assert.Equal(2, drafts.Medications.Count);
        Assert.Equal(2, drafts.UnresolvedMedicationReferences.Count);
        Assert.Empty(drafts.Medications[0].Codes);
        Assert.Equal("DEXTROMETHORPHAN HBR 15 MG/5ML PO SYRP", drafts.Medications[0].Text);
    }

    [Fact]
    public void Category_as_object_is_read_as_a_one_item_list()
    {
        var body = JsonNode.Parse(SharedExamples.Read("cds-hooks-captured/sandbox-captured/order-select-request-with-medication.json"))!;
        var request = ReadOk(body, HookNames.OrderSelect);
        var order = Assert.Single(request.ContextData.DraftOrders!.MedicationRequests);
        var category = Assert.Single(order.Category);
        Assert.Equal("community", category.Coding[0].Code);
        Assert.Equal("308743", Assert.Single(request.ContextData.DraftOrders.Medications).Codes[0].Code);
        Assert.Equal(["MedicationRequest/request-123"], request.ContextData.Selections);
    }

    [Theory]
    [InlineData("fullUrl")]
    [InlineData("relative")]
    [InlineData("absolute")]
    [InlineData("contained")]
    public void Medication_reference_resolves_by_fullUrl_relative_absolute_or_contained(string style)
    {
        var medication = new JsonObject
        {
            ["resourceType"] = "Medication",
            ["id"] = "med-1",
            ["code"] = new JsonObject { ["coding"] = new JsonArray(new JsonObject { ["system"] = CodeSystems.RxNorm, ["code"] = "197931" }), ["text"] = "mercaptopurine 50 mg" },
        };
        var request = new JsonObject
        {
            ["resourceType"] = "MedicationRequest",
            ["id"] = "mr-1",
            ["status"] = "draft",
            ["intent"] = "order",
            ["subject"] = new JsonObject { ["reference"] = "Patient/p" },
        };
        var bundle = new JsonObject { ["resourceType"] = "Bundle", ["type"] = "collection" };
        switch (style)
        {
            case "fullUrl":
                request["medicationReference"] = new JsonObject { ["reference"] = "urn:uuid:5b1c3c51-2a4c-4f6e-9f37-3b9b0c1e7a11" };
                bundle["entry"] = new JsonArray(new JsonObject { ["resource"] = request }, new JsonObject { ["fullUrl"] = "urn:uuid:5b1c3c51-2a4c-4f6e-9f37-3b9b0c1e7a11", ["resource"] = medication });
                break;
            case "relative":
                request["medicationReference"] = new JsonObject { ["reference"] = "Medication/med-1" };
                bundle["entry"] = new JsonArray(new JsonObject { ["resource"] = request }, new JsonObject { ["resource"] = medication });
                break;
            case "absolute":
                request["medicationReference"] = new JsonObject { ["reference"] = "https://epic.example.org/api/FHIR/R4/Medication/med-1" };
                bundle["entry"] = new JsonArray(new JsonObject { ["resource"] = request }, new JsonObject { ["resource"] = medication });
                break;
            case "contained":
                request["contained"] = new JsonArray(medication);
                request["medicationReference"] = new JsonObject { ["reference"] = "#med-1" };
                bundle["entry"] = new JsonArray(new JsonObject { ["resource"] = request });
                break;
        }

        var drafts = ReadOk(SharedExamples.Envelope(HookNames.OrderSign, SharedExamples.OrderContext(bundle)), HookNames.OrderSign).ContextData.DraftOrders!;
        var draft = Assert.Single(drafts.Medications);
        Assert.Equal("mr-1", draft.RequestId);
        Assert.Equal("197931", Assert.Single(draft.Codes).Code);
        Assert.Equal("mercaptopurine 50 mg", draft.Text);
        Assert.Empty(drafts.UnresolvedMedicationReferences);
        Assert.Equal(style == "contained" ? 0 : 1, drafts.ReferencedMedications.Count);
    }

    [Fact]
    public void Service_and_nutrition_orders_are_kept_separately()
    {
        var serviceRequest = new JsonObject
        {
            ["resourceType"] = "ServiceRequest",
            ["id"] = "sr-1",
            ["status"] = "draft",
            ["intent"] = "order",
            ["code"] = new JsonObject { ["text"] = "CBC" },
            ["subject"] = new JsonObject { ["reference"] = "Patient/p" },
        };
        var bundle = SharedExamples.Bundle(SharedExamples.MedicationRequest("mr-1"), serviceRequest);
        var request = ReadOk(SharedExamples.Envelope(HookNames.OrderSelect, SharedExamples.OrderContext(bundle, "ServiceRequest/sr-1")), HookNames.OrderSelect);
        var drafts = request.ContextData.DraftOrders!;
        Assert.Single(drafts.Medications);
        var other = Assert.Single(drafts.OtherOrders);
        Assert.Equal("ServiceRequest", other.ResourceType);
        Assert.Equal("sr-1", other.Id);
        Assert.True(drafts.ContainsOrder("ServiceRequest/sr-1"));
        Assert.True(drafts.ContainsOrder("https://ehr.example.org/fhir/ServiceRequest/sr-1"));
        Assert.False(drafts.ContainsOrder("ServiceRequest/sr-2"));
    }

    [Fact]
    public void A_selection_of_a_Medication_entry_is_refused_because_medications_are_not_orders()
    {
        var bundle = SharedExamples.Bundle(SharedExamples.MedicationRequest("mr-1"), new JsonObject { ["resourceType"] = "Medication", ["id"] = "m" });
        var result = SharedExamples.ReadRequest(SharedExamples.Envelope(HookNames.OrderSelect, SharedExamples.OrderContext(bundle, "Medication/m")), HookNames.OrderSelect);
        Assert.False(result.Succeeded);
        Assert.Contains(result.Problems, p => p.Path == "context.selections[0]");
    }

    [Fact]
    public void Tolerated_deviations_are_recorded_without_values()
    {
        var order = SharedExamples.MedicationRequest("draft‑rx‑1"); // non-ASCII hyphens: not a valid FHIR id, tolerated
        order.Remove("intent");
        order["unknownEpicThing"] = "secret-value";
        var request = ReadOk(SharedExamples.Envelope(HookNames.OrderSign, SharedExamples.OrderContext(SharedExamples.Bundle(order))), HookNames.OrderSign);
        Assert.Contains(request.ToleratedIssues, p => p.Path == "context.draftOrders.entry[0].resource.id");
        Assert.Contains(request.ToleratedIssues, p => p.Path.EndsWith("intent", StringComparison.Ordinal));
        Assert.Contains(request.ToleratedIssues, p => p.Path == "context.draftOrders.entry[0].resource.unknownEpicThing");
        Assert.DoesNotContain(request.ToleratedIssues, p => p.Message.Contains("secret-value", StringComparison.Ordinal) || p.Message.Contains("draft‑rx‑1", StringComparison.Ordinal));
    }

    [Fact]
    public void Unknown_codes_and_one_item_arrays_are_repaired_so_the_model_can_be_read()
    {
        var order = SharedExamples.MedicationRequest("mr-1");
        order["status"] = "on-hold-ish";                                  // not in the required value set
        order["intent"] = 3;                                              // not even a string
        order["priority"] = new JsonArray("stat");                        // a one-item array where R4 has one value
        order["subject"] = new JsonArray(new JsonObject { ["reference"] = "Patient/1288992" });
        var request = ReadOk(SharedExamples.Envelope(HookNames.OrderSign, SharedExamples.OrderContext(SharedExamples.Bundle(order))), HookNames.OrderSign);
        var read = Assert.Single(request.ContextData.DraftOrders!.MedicationRequests);
        Assert.Null(read.Status);
        Assert.Null(read.Intent);
        Assert.Equal(Hl7.Fhir.Model.RequestPriority.Stat, read.Priority);
        Assert.Equal("Patient/1288992", read.Subject.Reference);
        Assert.Contains(request.ToleratedIssues, p => p.Path == "context.draftOrders.entry[0].resource.status");
        Assert.Contains(request.ToleratedIssues, p => p.Path == "context.draftOrders.entry[0].resource.intent");
    }

    [Fact]
    public void Draft_medications_feed_the_EvaluateHook_contract()
    {
        var drafts = EpicDraftOrders();
        var message = new EvaluateHook
        {
            Tenant = "t",
            HookInstance = "h",
            Hook = HookNames.OrderSign,
            ServiceId = "s",
            PatientId = "p",
            DraftMedications = drafts.Medications,
            RequestedAt = DateTimeOffset.UnixEpoch,
            Deadline = DateTimeOffset.UnixEpoch,
        };
        Assert.Equal(2, message.DraftMedications.Count);
    }
}

public sealed class PatientViewDraftOrdersAndConcurrencyTests
{
    [Fact]
    public void Patient_view_reused_for_an_order_trigger_reads_draftOrders_when_present()
    {
        var context = SharedExamples.OrderContext(SharedExamples.Bundle(SharedExamples.MedicationRequest("mr-1")));
        var body = SharedExamples.Envelope(HookNames.PatientView, context);
        body["extension"] = new JsonObject { ["com.epic.cdshooks.request.bpa-trigger-action"] = "18" };
        var result = SharedExamples.ReadRequest(body, HookNames.PatientView);
        Assert.True(result.Succeeded, string.Join("; ", result.Problems));
        Assert.Single(result.Request!.ContextData.DraftOrders!.Medications);
        Assert.Equal("enter order", result.Request.Extension!.TriggerActionMeaning);

        context["draftOrders"] = "not a bundle";
        var refused = SharedExamples.ReadRequest(SharedExamples.Envelope(HookNames.PatientView, context.DeepClone()), HookNames.PatientView);
        Assert.Contains(refused.Problems, p => p.Path == "context.draftOrders");

        var plain = SharedExamples.ReadRequest(SharedExamples.Envelope(HookNames.PatientView, SharedExamples.PatientViewContext()), HookNames.PatientView);
        Assert.Null(plain.Request!.ContextData.DraftOrders);
    }

    [Fact]
    public void Concurrent_reads_are_independent()
    {
        var epic = SharedExamples.Bytes(SharedExamples.Read("cds-hooks/examples/epic-patient-view-request.json"));
        var order = SharedExamples.Bytes(SharedExamples.Read("cds-hooks-captured/sandbox-captured/order-select-request-with-medication.json"));
        var results = new HookReadResult[64];
        Parallel.For(0, results.Length, i =>
            results[i] = i % 2 == 0 ? HookRequestReader.Read(epic, HookNames.PatientView) : HookRequestReader.Read(order, HookNames.OrderSelect));
        Assert.All(results, r => Assert.True(r.Succeeded, string.Join("; ", r.Problems)));
        Assert.All(results.Where((_, i) => i % 2 == 0), r => Assert.Equal(2, r.Request!.Prefetch.Get("medications").Resources.Count));
        Assert.All(results.Where((_, i) => i % 2 == 1), r => Assert.Equal("308743", r.Request!.ContextData.DraftOrders!.Medications[0].Codes[0].Code));
    }
}
