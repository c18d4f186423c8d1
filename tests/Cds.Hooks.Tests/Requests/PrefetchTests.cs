using System.Text.Json;
using System.Text.Json.Nodes;
using Cds.Contracts;
using Cds.Hooks.Requests;
using Hl7.Fhir.Model;

namespace Cds.Hooks.Tests.Requests;

public sealed class PrefetchTests
{
    private static PrefetchSet Classify(JsonNode prefetch, InvalidPrefetchHandling invalid = InvalidPrefetchHandling.Reject)
    {
        var (set, problems) = PrefetchSet.Classify(JsonDocument.Parse(prefetch.ToJsonString()).RootElement, "prefetch", invalid);
        Assert.Empty(problems);
        return set;
    }

    private static JsonObject Outcome4101() => new()
    {
        ["resourceType"] = "OperationOutcome",
        ["issue"] = new JsonArray(new JsonObject
        {
            ["severity"] = "warning",
            ["code"] = "processing",
            ["details"] = new JsonObject { ["coding"] = new JsonArray(new JsonObject { ["system"] = "urn:oid:1.2.840.114350.1.13.0.1.7.2.657369", ["code"] = "4101" }) },
        }),
    };

    [Fact]
    public void Epic_request_prefetch_is_classified()
    {
        var body = JsonNode.Parse(SharedExamples.Read("cds-hooks/examples/epic-patient-view-request.json"))!;
        var result = SharedExamples.ReadRequest(body, HookNames.PatientView);
        Assert.True(result.Succeeded, string.Join("; ", result.Problems));
        var prefetch = result.Request!.Prefetch;

        Assert.Equal(PrefetchState.Provided, prefetch.StateOf("-user"));
        Assert.IsType<PractitionerRole>(Assert.Single(prefetch.Get("-user").Resources));
        Assert.Equal(PrefetchState.Provided, prefetch.StateOf("patient"));

        var conditions = prefetch.Get("conditions");
        Assert.Equal(PrefetchState.NoData, conditions.State);
        Assert.Empty(conditions.Resources);
        Assert.Single(conditions.Outcomes);
        Assert.False(conditions.HasErrorOutcome);

        var medications = prefetch.Get("medications");
        Assert.Equal(PrefetchState.Provided, medications.State);
        Assert.Equal(2, medications.ResourcesOf<MedicationRequest>().Count());
        Assert.All(medications.ResourcesOf<MedicationRequest>(), m => Assert.Single(m.Category)); // category object wrapped

        Assert.Equal(PrefetchState.Missing, prefetch.StateOf("allergies"));
        Assert.Equal(["allergies"], prefetch.MissingOf(["patient", "-user", "allergies", "conditions"]));
    }

    [Fact]
    public void Null_is_no_data()
    {
        var set = Classify(new JsonObject { ["allergies"] = null });
        Assert.Equal(PrefetchState.NoData, set.StateOf("allergies"));
        Assert.Contains("allergies", set.Keys);
    }

    [Fact]
    public void An_OperationOutcome_is_no_data_and_an_error_one_says_so()
    {
        var error = Outcome4101();
        error["issue"]![0]!["severity"] = "error";
        var set = Classify(new JsonObject { ["warn"] = Outcome4101(), ["err"] = error });
        Assert.Equal(PrefetchState.NoData, set.StateOf("warn"));
        Assert.False(set.Get("warn").HasErrorOutcome);
        Assert.Equal(PrefetchState.NoData, set.StateOf("err"));
        Assert.True(set.Get("err").HasErrorOutcome);
    }

    [Fact]
    public void Bundle_whose_only_entry_is_an_outcome_is_no_data()
    {
        var bundle = new JsonObject
        {
            ["resourceType"] = "Bundle",
            ["type"] = "searchset",
            ["total"] = 0,
            ["entry"] = new JsonArray(new JsonObject { ["resource"] = Outcome4101(), ["search"] = new JsonObject { ["mode"] = "outcome" } }),
        };
        var item = Classify(new JsonObject { ["labs"] = bundle }).Get("labs");
        Assert.Equal(PrefetchState.NoData, item.State);
        Assert.True(item.WasBundle);
        Assert.Single(item.Outcomes);
        Assert.Empty(item.Resources);
    }

    [Fact]
    public void Empty_searchset_is_no_data()
    {
        var item = Classify(new JsonObject { ["meds"] = new JsonObject { ["resourceType"] = "Bundle", ["type"] = "searchset", ["total"] = 0 } }).Get("meds");
        Assert.Equal(PrefetchState.NoData, item.State);
    }

    [Fact]
    public void Outcome_entries_beside_matches_are_separated_never_data()
    {
        var bundle = new JsonObject
        {
            ["resourceType"] = "Bundle",
            ["type"] = "searchset",
            ["entry"] = new JsonArray(
                new JsonObject { ["resource"] = new JsonObject { ["resourceType"] = "Condition", ["id"] = "c1", ["subject"] = new JsonObject { ["reference"] = "Patient/p" } }, ["search"] = new JsonObject { ["mode"] = "match" } },
                new JsonObject { ["resource"] = Outcome4101(), ["search"] = new JsonObject { ["mode"] = "outcome" } },
                new JsonObject { ["resource"] = Outcome4101() }),
            ["link"] = new JsonArray(new JsonObject { ["relation"] = "next", ["url"] = "https://epic.example.org/api/FHIR/R4/Condition?sessionID=abc&page=2" }),
        };
        var item = Classify(new JsonObject { ["conditions"] = bundle }).Get("conditions");
        Assert.Equal(PrefetchState.Provided, item.State);
        Assert.IsType<Condition>(Assert.Single(item.Resources));
        Assert.Equal(2, item.Outcomes.Count);
        Assert.Equal("https://epic.example.org/api/FHIR/R4/Condition?sessionID=abc&page=2", item.NextPageUrl);
    }

    [Fact]
    public void Official_FHIR_search_warning_bundle_keeps_outcome_out_of_data()
    {
        var path = Path.Combine(SharedExamples.DataRoot, "fhir-r4-examples", "Bundle-bundle-search-warning.json");
        Assert.True(File.Exists(path), path);
        var item = Classify(new JsonObject { ["x"] = JsonNode.Parse(File.ReadAllText(path)) }).Get("x");
        Assert.DoesNotContain(item.Resources, r => r is OperationOutcome);
        Assert.NotEmpty(item.Outcomes);
    }

    [Fact]
    public void Odd_key_names_are_kept_as_sent()
    {
        var set = Classify(new JsonObject { ["-user"] = new JsonObject { ["resourceType"] = "Practitioner", ["id"] = "x" }, ["weird key.with dots"] = null });
        Assert.Equal(PrefetchState.Provided, set.StateOf("-user"));
        Assert.Equal(PrefetchState.NoData, set.StateOf("weird key.with dots"));
        Assert.Equal(PrefetchState.Missing, set.StateOf("user"));
    }

    [Fact]
    public void Invalid_value_is_a_problem_or_missing_by_option()
    {
        var prefetch = JsonDocument.Parse("""{"patient":{"resourceType":"Patient","gender":{"x":1}},"ok":null}""").RootElement;
        var (_, problems) = PrefetchSet.Classify(prefetch);
        Assert.Contains(problems, p => p.Path == "prefetch.patient.gender");

        var (set, none) = PrefetchSet.Classify(prefetch, invalid: InvalidPrefetchHandling.TreatAsMissing);
        Assert.Empty(none);
        Assert.Equal(PrefetchState.Missing, set.StateOf("patient"));
        Assert.True(set.Get("patient").WasInvalid);
        Assert.Equal(PrefetchState.NoData, set.StateOf("ok"));
    }

    [Fact]
    public void Prefetch_null_or_absent_is_an_empty_set()
    {
        var body = SharedExamples.Envelope(HookNames.PatientView, SharedExamples.PatientViewContext());
        body["prefetch"] = null;
        var result = SharedExamples.ReadRequest(body, HookNames.PatientView);
        Assert.True(result.Succeeded);
        Assert.Empty(result.Request!.Prefetch.Keys);
        Assert.Null(result.Request.PrefetchJson);
    }
}

public sealed class PrefetchToleranceTests
{
    [Fact]
    public void Tolerated_prefetch_deviations_are_reported_on_the_item_and_the_request()
    {
        var body = SharedExamples.Envelope(HookNames.PatientView, SharedExamples.PatientViewContext(),
            prefetch: JsonNode.Parse("""{"patient":{"resourceType":"Patient","id":"p","gender":"robot","epicOnly":true}}"""));
        var result = SharedExamples.ReadRequest(body, HookNames.PatientView);
        Assert.True(result.Succeeded, string.Join("; ", result.Problems));
        var item = result.Request!.Prefetch.Get("patient");
        Assert.Null(Assert.IsType<Patient>(Assert.Single(item.Resources)).Gender);
        Assert.Contains(item.ToleratedIssues, p => p.Path == "prefetch.patient.gender");
        Assert.Contains(result.Request.ToleratedIssues, p => p.Path == "prefetch.patient.epicOnly");
    }
}
