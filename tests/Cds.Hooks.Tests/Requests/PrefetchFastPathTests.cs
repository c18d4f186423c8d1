using System.Text.Json;
using System.Text.Json.Nodes;
using Cds.Contracts;
using Cds.Fhir.Patients;
using Cds.Hooks.Prefetch;
using Cds.Hooks.Requests;
using Cds.Testing;
using Hl7.Fhir.Model;

namespace Cds.Hooks.Tests.Requests;

/// <summary>
/// The prefetch fast path (clean R4 JSON mapped without Firely POCOs) against reading every key with Firely: the same
/// problems, tolerated issues, states, outcomes and facts for real data, Epic's quirks and every fuzzed input.
/// </summary>
public sealed class PrefetchFastPathTests
{
    private static readonly string[] Templates = ["MedicationRequest", "AllergyIntolerance", "Condition", "Observation", "Patient"];

    private static (PrefetchSet Set, IReadOnlyList<RequestProblem> Problems) Read(JsonNode prefetch, bool fast) =>
        PrefetchSet.Classify(JsonDocument.Parse(prefetch.ToJsonString()).RootElement.Clone(), "prefetch", InvalidPrefetchHandling.Reject, fast);

    /// <summary>Everything the hook path reads from a classified prefetch, as comparable text.</summary>
    private static string Observable(PrefetchSet set, IReadOnlyList<RequestProblem> problems, string patientId)
    {
        var templates = set.Keys.ToDictionary(k => k, k => Templates.FirstOrDefault(t => k.Contains(t, StringComparison.OrdinalIgnoreCase)) ?? "Patient/{{context.patientId}}");
        var (context, _) = PrefetchContext.Build(patientId, set, PrefetchSet.Empty, [], templates, DateTimeOffset.UnixEpoch);
        return JsonSerializer.Serialize(new
        {
            Problems = problems.Select(p => p.ToString()),
            Items = set.Items.OrderBy(i => i.Key, StringComparer.Ordinal).Select(i => new
            {
                i.Key, i.State, i.WasBundle, i.NextPageUrl, i.WasInvalid, i.HasErrorOutcome, Outcomes = i.Outcomes.Count, Data = i.Data.Count,
                Types = i.Resources.Select(r => r.TypeName + "/" + r.Id), Tolerated = i.ToleratedIssues.Select(p => p.ToString()),
            }),
            Context = context,
        });
    }

    private static void AssertSame(JsonNode prefetch, string patientId, string what)
    {
        var (fastSet, fastProblems) = Read(prefetch, fast: true);
        var (slowSet, slowProblems) = Read(prefetch, fast: false);
        var (slow, fast) = (Observable(slowSet, slowProblems, patientId), Observable(fastSet, fastProblems, patientId));
        Assert.True(slow == fast, $"{what}\nFirely: {slow}\nfast:   {fast}");
    }

    private static IEnumerable<(string Name, JsonObject Bundle)> SyntheaBundles()
    {
        foreach (var file in Directory.GetFiles(RepoSources.Combine("infra", "epic-sandbox", "data", "synthea-r4"), "*.json"))
            yield return (Path.GetFileName(file), JsonNode.Parse(File.ReadAllText(file))!.AsObject());
    }

    private static JsonObject Searchset(params JsonNode[] resources) => new()
    {
        ["resourceType"] = "Bundle",
        ["type"] = "searchset",
        ["entry"] = new JsonArray([.. resources.Select(r => (JsonNode)new JsonObject { ["resource"] = r.DeepClone(), ["search"] = new JsonObject { ["mode"] = "match" } })]),
    };

    [Fact]
    public void Synthea_patients_read_the_same_both_ways_and_mostly_without_Firely()
    {
        foreach (var (name, bundle) in SyntheaBundles())
        {
            var entries = bundle["entry"]!.AsArray().Select(e => e!["resource"]!).ToList();
            var patientId = entries.First(r => (string?)r["resourceType"] == "Patient")["id"]!.GetValue<string>();
            var prefetch = new JsonObject();
            foreach (var group in entries.GroupBy(r => (string)r["resourceType"]!))
                prefetch[group.Key] = Searchset([.. group]);
            AssertSame(prefetch, patientId, name);

            var clean = entries.Count(r => CleanR4Json.IsClean(JsonDocument.Parse(r.ToJsonString()).RootElement));
            Assert.True(clean * 10 >= entries.Count * 8, $"{name}: only {clean} of {entries.Count} resources are read without Firely");
        }
    }

    [Fact]
    public void A_searchset_of_all_Synthea_resources_takes_the_fast_path()
    {
        foreach (var (name, bundle) in SyntheaBundles())
        {
            var searchset = Searchset([.. bundle["entry"]!.AsArray().Select(e => e!["resource"]!)]);
            searchset["link"] = new JsonArray(new JsonObject { ["relation"] = "self", ["url"] = "https://fhir.example.org/R4/Observation?patient=x" });
            searchset["total"] = bundle["entry"]!.AsArray().Count;
            var json = JsonDocument.Parse(searchset.ToJsonString()).RootElement;
            Assert.True(CleanR4Json.IsClean(json, skipEntryResources: true), name);
            Assert.NotNull(CleanPrefetch.TryClassify("all", json, "prefetch.all"));
        }
    }

    [Fact]
    public void Facts_match_the_Firely_mapper_on_the_same_resources()
    {
        foreach (var (name, bundle) in SyntheaBundles())
        {
            var (set, problems) = Read(new JsonObject { ["all"] = bundle.DeepClone() }, fast: true);
            Assert.Empty(problems);
            var item = set.Get("all");
            var resources = item.Resources; // read by Firely from the same JSON
            var patientId = resources.OfType<Patient>().First().Id!;
            var (context, _) = PrefetchContext.Build(patientId, set, PrefetchSet.Empty, [], new Dictionary<string, string>(), DateTimeOffset.UnixEpoch);
            var firely = new PatientContext
            {
                PatientId = patientId,
                AsOf = DateTimeOffset.UnixEpoch,
                BirthDate = PatientContextMapper.BirthDate(resources.OfType<Patient>().First()),
                ActiveMedications = PatientContextMapper.Medications(resources.OfType<MedicationRequest>(), resources.OfType<Medication>(), out _),
                Allergies = PatientContextMapper.Allergies(resources.OfType<AllergyIntolerance>()),
                Conditions = PatientContextMapper.Conditions(resources.OfType<Condition>()),
                Labs = PatientContextMapper.LatestLabs(resources.OfType<Observation>()),
                Gaps = context.Gaps,
            };
            Assert.True(JsonSerializer.Serialize(firely) == JsonSerializer.Serialize(context), name);
            Assert.NotEmpty(context.Conditions);
        }
    }

    [Fact]
    public void Items_outlive_the_document_they_were_read_from()
    {
        PrefetchSet set;
        using (var document = JsonDocument.Parse("""{"conditions":{"resourceType":"Bundle","type":"searchset","entry":[{"resource":{"resourceType":"Condition","id":"c1","subject":{"reference":"Patient/p"}}}]}}"""))
            (set, _) = PrefetchSet.Classify(document.RootElement, "fetched", InvalidPrefetchHandling.TreatAsMissing);
        var (context, _) = PrefetchContext.Build("p", PrefetchSet.Empty, set, [], new Dictionary<string, string>(), DateTimeOffset.UnixEpoch);
        Assert.Equal("c1", Assert.Single(context.Conditions).Id);
    }

    [Fact]
    public void Contained_medication_is_resolved_on_the_fast_path()
    {
        var request = JsonNode.Parse("""
            {"resourceType":"MedicationRequest","id":"mr1","status":"active","intent":"order","subject":{"reference":"Patient/p"},
             "contained":[{"resourceType":"Medication","id":"med","code":{"coding":[{"system":"http://www.nlm.nih.gov/research/umls/rxnorm","code":"723","display":"amoxicillin"}]}}],
             "medicationReference":{"reference":"#med"}}
            """)!;
        var prefetch = new JsonObject { ["meds"] = Searchset(request) };
        AssertSame(prefetch, "p", "contained");
        var (set, _) = Read(prefetch, fast: true);
        Assert.True(CleanR4Json.IsClean(set.Get("meds").Data[0]));
        var (context, _) = PrefetchContext.Build("p", set, PrefetchSet.Empty, [], new Dictionary<string, string> { ["meds"] = "MedicationRequest?patient=p" }, DateTimeOffset.UnixEpoch);
        Assert.Equal("723", Assert.Single(Assert.Single(context.ActiveMedications).Codes).Code);
    }

    [Fact]
    public void OperationOutcome_entries_are_outcomes_never_data_on_both_paths()
    {
        var outcome = JsonNode.Parse("""{"resourceType":"OperationOutcome","issue":[{"severity":"error","code":"processing","diagnostics":"x"}]}""")!;
        var condition = JsonNode.Parse("""{"resourceType":"Condition","id":"c1","subject":{"reference":"Patient/p"}}""")!;
        var bundle = Searchset(condition, outcome);
        bundle["entry"]!.AsArray().Add(new JsonObject { ["resource"] = outcome.DeepClone(), ["search"] = new JsonObject { ["mode"] = "outcome" } });
        var prefetch = new JsonObject { ["conditions"] = bundle, ["labs"] = Searchset(outcome) };
        AssertSame(prefetch, "p", "outcomes");
        var (set, _) = Read(prefetch, fast: true);
        Assert.Equal(2, set.Get("conditions").Outcomes.Count);
        Assert.Single(set.Get("conditions").Data);
        Assert.Equal(PrefetchState.NoData, set.StateOf("labs"));
        Assert.True(set.Get("labs").HasErrorOutcome);
    }

    [Fact]
    public void Missing_fields_and_Epic_quirks_give_the_same_facts()
    {
        var prefetch = JsonNode.Parse("""
            {"meds":{"resourceType":"Bundle","type":"searchset","entry":[
               {"resource":{"resourceType":"MedicationRequest","status":"active","intent":"order","subject":{"reference":"Patient/p"}}},
               {"resource":{"resourceType":"MedicationRequest","id":"epic","status":"active","intent":"order","subject":{"reference":"Patient/p"},
                 "category":{"coding":[{"system":"x","code":"outpatient"}]},"medicationCodeableConcept":{"text":"lisinopril"}}},
               {"resource":{"resourceType":"MedicationRequest","id":"odd","status":"on-hold-ish","intent":"order","subject":{"reference":"Patient/p"},
                 "medicationReference":{"reference":"Medication/nowhere","display":"unknown drug"}}}]},
             "allergies":{"resourceType":"Bundle","type":"searchset","entry":[{"resource":{"resourceType":"AllergyIntolerance","patient":{"reference":"Patient/p"}}}]},
             "labs":{"resourceType":"Bundle","type":"searchset","entry":[
               {"resource":{"resourceType":"Observation","status":"final","code":{"coding":[{"system":"http://loinc.org","code":"2823-3"}]},"valueQuantity":{"value":5.9}}},
               {"resource":{"resourceType":"Observation","status":"final","code":{"coding":[{"system":"http://loinc.org","code":"2160-0"}]},"valueString":"< 0.5","effectiveInstant":"2024-05-01T10:00:00.123+02:00"}}]},
             "patient":{"resourceType":"Patient","id":"p","birthDate":"1950"}}
            """)!;
        AssertSame(prefetch, "p", "quirks");
    }

    [Theory]
    [InlineData(" ")]
    [InlineData("\t")]
    [InlineData("a\u000Bb")]
    [InlineData("a\u00A0b")]
    [InlineData("line\r\nbreak")]
    [InlineData("\u2028")]
    public void Odd_strings_read_the_same_both_ways(string text)
    {
        var patient = new JsonObject { ["resourceType"] = "Patient", ["id"] = "p", ["name"] = new JsonArray(new JsonObject { ["text"] = text }) };
        AssertSame(new JsonObject { ["patient"] = patient, ["meds"] = Searchset(patient) }, "p", JsonSerializer.Serialize(text));
    }

    [Fact]
    public void Fuzzed_prefetch_reads_the_same_both_ways()
    {
        var body = JsonNode.Parse(SharedExamples.Read("cds-hooks/examples/epic-patient-view-request.json"))!;
        var prefetch = body["prefetch"]!;
        var members = FhirFuzzTests.Members(prefetch).Count();
        for (var m = 0; m < Math.Min(members, 120); m++)
        {
            foreach (var replacement in FhirFuzzTests.Replacements)
            {
                var copy = prefetch.DeepClone();
                var (parent, key) = FhirFuzzTests.Members(copy).ElementAt(m);
                parent[key] = replacement();
                AssertSame(copy, "eXoGxqgBaJuNkuahMYmiDhg3", $"member {m} '{key}' = {replacement()?.ToJsonString() ?? "null"}");
            }
        }
    }
}
