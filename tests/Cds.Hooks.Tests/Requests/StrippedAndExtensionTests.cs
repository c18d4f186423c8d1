using System.Diagnostics.Metrics;
using System.Text.Json.Nodes;
using Cds.Contracts;
using Cds.Hooks.Requests;
using Microsoft.Extensions.DependencyInjection;

namespace Cds.Hooks.Tests.Requests;

public sealed class StrippedAndExtensionTests
{
    [Fact]
    public void Epic_extension_is_recorded_with_trigger_meaning_and_other_keys()
    {
        var result = SharedExamples.ReadRequest(SharedExamples.Read("cds-hooks/examples/epic-patient-view-request.json"), HookNames.PatientView);
        Assert.True(result.Succeeded);
        var ext = result.Request!.Extension!;
        Assert.Equal("18", ext.TriggerAction);
        Assert.Equal("enter order", ext.TriggerActionMeaning);
        Assert.Equal("2852", ext.CriteriaId);
        Assert.Equal("9.4", ext.EpicVersion);
        Assert.Equal("R4", ext.FhirVersion);
        Assert.Equal("1.0", ext.SpecificationVersion);
        Assert.True(ext.IsFromEpic);
        Assert.Equal("0", ext.Other["com.epic.cdshooks.request.cds-hooks-su-version"]);
        Assert.Equal("17805", ext.Other["internal.epic.cdshooks.request.epic-emp-id"]);
        Assert.NotNull(result.Request.ExtensionJson);
    }

    [Theory]
    [InlineData("60", "open chart")]
    [InlineData("18", "enter order")]
    [InlineData("23", "sign orders")]
    [InlineData("6", "enter problem")]
    [InlineData("99", "unknown")]
    public void Trigger_action_meanings(string code, string meaning) => Assert.Equal(meaning, EpicRequestExtension.MeaningOf(code));

    [Fact]
    public void Foreign_extension_keys_are_kept_and_not_taken_for_Epic()
    {
        var body = JsonNode.Parse(SharedExamples.Read("cds-hooks/examples/spec2.0-request-with-extension.json"))!;
        body["context"]!["patientId"] = "1288992";
        var result = SharedExamples.ReadRequest(body, HookNames.PatientView);
        Assert.True(result.Succeeded, string.Join("; ", result.Problems));
        var ext = result.Request!.Extension!;
        Assert.False(ext.IsFromEpic);
        Assert.Null(ext.TriggerAction);
        Assert.Equal("gastroenterology", ext.Other["com.cds-hooks.sandbox.myextension-practitionerspecialty"]);
    }

    [Fact]
    public void Extension_is_available_on_a_refused_request_too()
    {
        var body = JsonNode.Parse(SharedExamples.Read("cds-hooks/examples/epic-patient-view-request.json"))!;
        body["context"]!.AsObject().Remove("patientId");
        var result = SharedExamples.ReadRequest(body, HookNames.PatientView);
        Assert.False(result.Succeeded);
        Assert.Equal("2852", result.Extension!.CriteriaId);
        Assert.Equal("f399c67c-c703-11ea-af16-460231621f93", result.HookInstance);
    }

    public static TheoryData<string, bool> StrippedShapes() => new()
    {
        { """{"hook":"patient-view","hookInstance":"h"}""", true },
        { """{"hook":"patient-view","hookInstance":"h","context":{}}""", true },
        { """{"hook":"patient-view","hookInstance":"h","context":{"userId":"Practitioner/1"},"extension":{"com.epic.cdshooks.request.bpa-trigger-action":"60"}}""", true },
        { """{}""", true },
        { """{"hook":"patient-view","hookInstance":"h","fhirServer":"https://x/fhir","context":{"userId":"Practitioner/1"}}""", false },
        { """{"hook":"patient-view","hookInstance":"h","context":{"patientId":"p","userId":"Practitioner/1"}}""", false },
        { """{"hook":"patient-view","hookInstance":"h","prefetch":{"patient":null}}""", false },
    };

    [Theory]
    [MemberData(nameof(StrippedShapes))]
    public void Stripped_shape_is_recognised(string json, bool stripped)
    {
        var result = SharedExamples.ReadRequest(json, HookNames.PatientView);
        Assert.Equal(stripped, result.Stripped.IsStripped);
        Assert.Equal(stripped, result.Stripped.Reason is not null);
        if (stripped)
            Assert.False(result.Succeeded); // a stripped request cannot be served, it is refused with 400 and counted
    }

    [Fact]
    public void Empty_body_is_stripped()
    {
        var result = HookRequestReader.Read(""u8, HookNames.OrderSign);
        Assert.True(result.Stripped.IsStripped);
        Assert.Equal("empty body", result.Stripped.Reason);
    }

    [Fact]
    public void Real_requests_are_not_stripped()
    {
        foreach (var file in new[] { "epic-patient-view-request.json", "spec2.0-patient-view-request.json", "COMPOSED-order-sign-request-r4.json" })
        {
            var body = JsonNode.Parse(SharedExamples.Read("cds-hooks/examples/" + file))!;
            var result = SharedExamples.ReadRequest(body, (string)body["hook"]!);
            Assert.False(result.Stripped.IsStripped, file);
        }
    }

    [Fact]
    public void Metrics_count_stripped_rejected_and_draft_orders_faults()
    {
        using var provider = new ServiceCollection().AddMetrics().AddSingleton<HookRequestMetrics>().BuildServiceProvider();
        var metrics = provider.GetRequiredService<HookRequestMetrics>();
        var measured = new List<(string Name, long Value, string? Hook)>();
        using var listener = new MeterListener();
        listener.InstrumentPublished = (instrument, l) =>
        {
            if (instrument.Meter.Name == HookRequestMetrics.MeterName)
                l.EnableMeasurementEvents(instrument);
        };
        listener.SetMeasurementEventCallback<long>((instrument, value, tags, _) =>
        {
            string? hook = null;
            foreach (var tag in tags)
                if (tag.Key == "hook")
                    hook = tag.Value as string;
            lock (measured)
                measured.Add((instrument.Name, value, hook));
        });
        listener.Start();

        metrics.Record(HookNames.PatientView, SharedExamples.ReadRequest("""{"hook":"patient-view","hookInstance":"h"}""", HookNames.PatientView));
        var noDraft = SharedExamples.Envelope(HookNames.OrderSign, SharedExamples.PatientViewContext());
        var fault = SharedExamples.ReadRequest(noDraft, HookNames.OrderSign);
        Assert.True(fault.IsDraftOrdersConfigurationFault);
        metrics.Record(HookNames.OrderSign, fault);
        metrics.Record(HookNames.PatientView, SharedExamples.ReadRequest(SharedExamples.Envelope(HookNames.PatientView, SharedExamples.PatientViewContext()), HookNames.PatientView));

        long Sum(string name) => measured.Where(m => m.Name == name).Sum(m => m.Value);
        Assert.Equal(1, Sum("cds.hooks.requests.stripped"));
        Assert.Equal(2, Sum("cds.hooks.requests.rejected"));
        Assert.Equal(1, Sum("cds.hooks.requests.draft_orders_missing"));
        Assert.Equal(HookNames.OrderSign, measured.Single(m => m.Name == "cds.hooks.requests.draft_orders_missing").Hook);
    }
}
