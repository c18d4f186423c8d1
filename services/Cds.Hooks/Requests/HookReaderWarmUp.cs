using System.Diagnostics;
using System.Text;
using System.Text.Json.Nodes;
using Cds.Contracts;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Cds.Hooks.Requests;

/// <summary>
/// Loads the FHIR R4 model, the deserializer and the validators before the first hook call: the first read of a
/// request costs seconds (Firely's model inspector), far over a hook's time budget. Started as a hosted service by
/// <see cref="RequestsRegistration.AddHookRequestReading"/>; hosted services start before the server listens.
/// </summary>
public sealed class HookReaderWarmUp(ILogger<HookReaderWarmUp> log) : IHostedService
{
    public Task StartAsync(CancellationToken cancellationToken)
    {
        var elapsed = Run();
        log.LogInformation("Hook request reader warmed up in {ElapsedMs} ms", (long)elapsed.TotalMilliseconds);
        return Task.CompletedTask;
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    /// <summary>Reads one synthetic request per served hook and one feedback body; returns the time taken.</summary>
    public static TimeSpan Run()
    {
        var watch = Stopwatch.StartNew();
        // Every R4 class mapping's properties, not only those the samples touch: a real request carries types and
        // elements the samples do not (dosage, AllergyIntolerance, Observation…), and their mappings would otherwise
        // be built lazily by the first concurrent hooks.
        foreach (var mapping in Hl7.Fhir.Model.ModelInfo.ModelInspector.ClassMappings)
            _ = mapping.PropertyMappings.Count;
        foreach (var hook in HookValidators.SupportedHooks)
            HookRequestReader.Read(Encoding.UTF8.GetBytes(SampleRequest(hook).ToJsonString()), hook);
        FeedbackReader.Read("""{"feedback":[{"card":"warm-up","outcome":"accepted","outcomeTimestamp":"2024-01-01T00:00:00Z"}]}"""u8);
        return watch.Elapsed;
    }

    /// <summary>A small valid request for <paramref name="hook"/> touching the code paths of a real one (no real data).</summary>
    internal static JsonObject SampleRequest(string hook)
    {
        var context = new JsonObject { ["patientId"] = "warm-up", ["userId"] = "Practitioner/warm-up" };
        if (hook != HookNames.PatientView)
        {
            context["draftOrders"] = JsonNode.Parse("""
                {"resourceType":"Bundle","type":"collection","entry":[
                  {"resource":{"resourceType":"MedicationRequest","id":"m1","status":"draft","intent":"order",
                    "category":{"text":"Inpatient"},"medicationReference":{"reference":"Medication/med"},"subject":{"reference":"Patient/warm-up"}}},
                  {"resource":{"resourceType":"Medication","id":"med","code":{"text":"warm-up"}}}]}
                """);
            if (hook == HookNames.OrderSelect)
                context["selections"] = new JsonArray("MedicationRequest/m1");
        }
        return new JsonObject
        {
            ["hook"] = hook,
            ["hookInstance"] = "00000000-0000-0000-0000-000000000000",
            ["fhirServer"] = "https://warm-up.invalid/fhir",
            ["context"] = context,
            ["prefetch"] = JsonNode.Parse("""
                {"patient":{"resourceType":"Patient","id":"warm-up","text":{"status":"generated","div":"<div xmlns=\"http://www.w3.org/1999/xhtml\">x</div>"}},
                 "none":{"resourceType":"Bundle","type":"searchset","entry":[{"resource":{"resourceType":"OperationOutcome","issue":[{"severity":"warning","code":"processing"}]},"search":{"mode":"outcome"}}]}}
                """),
        };
    }
}
