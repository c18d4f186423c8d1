using System.Net;
using System.Text.Json.Nodes;
using Cds.Testing;
using Xunit;

namespace Cds.EpicSandbox.Tests;

public sealed class FhirApiTests(SmallPageSandboxFixture f) : IClassFixture<SmallPageSandboxFixture>
{
    private const string Abram = SandboxPatients.AbramLemke;

    [Fact]
    public async Task Metadata_and_smart_configuration_are_open_and_point_at_the_token_endpoint()
    {
        var (meta, cap) = await f.GetAsync("metadata", null);
        Assert.Equal(HttpStatusCode.OK, meta.StatusCode);
        Assert.Equal("CapabilityStatement", (string?)cap!["resourceType"]);
        Assert.Contains(f.Sandbox.TokenEndpoint.ToString(), cap.ToJsonString());

        var (smart, config) = await f.GetAsync(f.Sandbox.SmartConfigurationUrl.ToString(), null);
        Assert.Equal(HttpStatusCode.OK, smart.StatusCode);
        Assert.Equal(f.Sandbox.TokenEndpoint.ToString(), (string?)config!["token_endpoint"]);
        Assert.Contains("RS384", config["token_endpoint_auth_signing_alg_values_supported"]!.AsArray().Select(a => (string?)a));
        Assert.EndsWith("/", f.Sandbox.FhirBaseUrl.ToString());
    }

    [Fact]
    public async Task Reads_need_a_token_and_the_seeded_patients_are_there()
    {
        var (noToken, _) = await f.GetAsync("Patient/" + SandboxPatients.CamilaLopez, null);
        Assert.Equal(HttpStatusCode.Unauthorized, noToken.StatusCode);
        var (badToken, _) = await f.GetAsync("Patient/" + SandboxPatients.CamilaLopez, "not-a-token");
        Assert.Equal(HttpStatusCode.Unauthorized, badToken.StatusCode);
        Assert.Contains("invalid_token", badToken.Headers.WwwAuthenticate.ToString());

        var token = await f.TokenAsync();
        foreach (var id in SandboxPatients.Fixtures.Concat(SandboxPatients.Synthea).Append(SandboxPatients.CamilaLopez))
        {
            var (ok, patient) = await f.GetAsync("Patient/" + id, token);
            Assert.Equal(HttpStatusCode.OK, ok.StatusCode);
            Assert.Equal(id, (string?)patient!["id"]);
        }

        var (missing, outcome) = await f.GetAsync("Patient/eDoesNotExist3", token);
        Assert.Equal(HttpStatusCode.NotFound, missing.StatusCode);
        Assert.Equal("OperationOutcome", (string?)outcome!["resourceType"]);
    }

    [Fact]
    public async Task An_expired_token_gets_401()
    {
        var token = f.Sandbox.IssueAccessToken(lifetime: TimeSpan.FromMilliseconds(1));
        await Task.Delay(20);
        var (response, _) = await f.GetAsync("Patient/" + SandboxPatients.NoData, token);
        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
    }

    [Fact]
    public async Task An_unregistered_interaction_gets_Epics_403_with_insufficient_scope()
    {
        var token = await f.TokenAsync();
        var (response, body) = await f.GetAsync($"Immunization?patient={Abram}", token);
        Assert.Equal(HttpStatusCode.Forbidden, response.StatusCode);
        Assert.Equal(
            "Bearer error=\"insufficient_scope\", error_description=\"The access token provided is valid, but is not authorized for this service\"",
            response.Headers.WwwAuthenticate.ToString());
        Assert.Equal("{}", body!.ToJsonString());
        Assert.Contains(f.Sandbox.State.FhirRequests, r => r.Status == 403 && r.ResourceType == "Immunization" && r.Interaction == "Search"
            && r.ClientId == SandboxClients.NonProdClientId && r.PathAndQuery.Contains("patient=", StringComparison.Ordinal));

        // .read is not .search: a token without Condition.Search is refused a search but allowed a read.
        var readOnly = f.Sandbox.IssueAccessToken(permissions: [new EpicApi("Condition", FhirInteraction.Read)]);
        var (search, _) = await f.GetAsync($"Condition?patient={SandboxPatients.CkdOnMetformin}", readOnly);
        Assert.Equal(HttpStatusCode.Forbidden, search.StatusCode);
        var (read, _) = await f.GetAsync("Condition/eCkdMetformin.Fx-C1", readOnly);
        Assert.Equal(HttpStatusCode.OK, read.StatusCode);
    }

    [Fact]
    public async Task Observation_search_without_patient_and_category_or_code_is_refused()
    {
        var token = await f.TokenAsync();
        foreach (var query in new[] { $"Observation?patient={Abram}", "Observation?category=laboratory", "Observation?code=4548-4" })
        {
            var (response, body) = await f.GetAsync(query, token);
            Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
            Assert.Equal("4111", (string?)body!["issue"]![0]!["details"]!["coding"]![0]!["code"]);
        }

        var (ok, bundle) = await f.GetAsync($"Observation?patient={SandboxPatients.Type2DiabeticHighA1c}&code=http://loinc.org|4548-4", token);
        Assert.Equal(HttpStatusCode.OK, ok.StatusCode);
        Assert.Equal(2, (int)bundle!["total"]!);
        Assert.Contains(bundle["entry"]!.AsArray(), e => (decimal?)e!["resource"]!["valueQuantity"]?["value"] == 10.2m);
    }

    [Fact]
    public async Task Zero_results_come_as_a_bundle_whose_only_entry_is_a_4101_OperationOutcome()
    {
        var token = await f.TokenAsync();
        var (response, bundle) = await f.GetAsync($"Condition?patient={SandboxPatients.NoData}", token);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(0, (int)bundle!["total"]!);
        var entry = Assert.Single(bundle["entry"]!.AsArray())!;
        Assert.Equal("outcome", (string?)entry["search"]!["mode"]);
        var coding = entry["resource"]!["issue"]![0]!["details"]!["coding"]![0]!;
        Assert.Equal("OperationOutcome", (string?)entry["resource"]!["resourceType"]);
        Assert.Equal("4101", (string?)coding["code"]);
        Assert.EndsWith(".7.2.657369", (string?)coding["system"]);
    }

    [Fact]
    public async Task Unknown_parameters_are_ignored_with_a_4122_warning_entry()
    {
        var token = await f.TokenAsync();
        var (_, bundle) = await f.GetAsync($"Condition?patient={SandboxPatients.CkdOnMetformin}&_sort=-date", token);
        var entries = bundle!["entry"]!.AsArray();
        Assert.Contains(entries, e => (string?)e!["search"]!["mode"] == "match" && (string?)e["resource"]!["resourceType"] == "Condition");
        var warning = Assert.Single(entries, e => (string?)e!["search"]!["mode"] == "outcome")!;
        Assert.Equal("4122", (string?)warning["resource"]!["issue"]![0]!["details"]!["coding"]![0]!["code"]);
        Assert.Equal("http._sort", (string?)warning["resource"]!["issue"]![0]!["location"]![0]);
    }

    [Fact]
    public async Task Count_is_a_ceiling_pages_follow_absolute_opaque_next_links_and_rebuilt_links_fail()
    {
        var token = await f.TokenAsync();
        var query = $"Observation?patient={Abram}&category=vital-signs";
        var (_, first) = await f.GetAsync(query + "&_count=500", token);
        var total = (int)first!["total"]!;
        Assert.True(total > 20, $"Abram has {total} vital signs");
        Assert.Equal(10, first["entry"]!.AsArray().Count(e => (string?)e!["search"]!["mode"] == "match")); // Epic's own page size wins

        var ids = new List<string>();
        var url = f.Fhir(query + "&_count=4").ToString();
        var pages = 0;
        string? secondPage = null;
        while (url is not null)
        {
            var (response, page) = await f.GetAsync(url, token);
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            var matches = page!["entry"]!.AsArray().Where(e => (string?)e!["search"]!["mode"] == "match").ToList();
            Assert.True(matches.Count <= 4);
            ids.AddRange(matches.Select(e => (string)e!["resource"]!["id"]!));
            url = (string?)page["link"]!.AsArray().FirstOrDefault(l => (string?)l!["relation"] == "next")?["url"];
            if (url is not null)
            {
                Assert.StartsWith(f.Sandbox.FhirBaseUrl.ToString(), url);
                secondPage ??= url;
            }

            pages++;
        }

        Assert.Equal(total, ids.Count);
        Assert.Equal(total, ids.Distinct().Count());
        Assert.Equal((total + 3) / 4, pages);

        // Rebuilding the link (original query + the paging token, or an offset) fails.
        Assert.NotNull(secondPage);
        var pageToken = secondPage[(secondPage.IndexOf("_page=", StringComparison.Ordinal) + 6)..];
        var (rebuilt, outcome) = await f.GetAsync(query + "&_page=" + pageToken, token);
        Assert.Equal(HttpStatusCode.BadRequest, rebuilt.StatusCode);
        Assert.Equal("OperationOutcome", (string?)outcome!["resourceType"]);
        var (offset, _) = await f.GetAsync(query + "&_count=4&_offset=4", token);
        Assert.Equal(HttpStatusCode.BadRequest, offset.StatusCode);
        var (forged, _) = await f.GetAsync("Observation?_page=AAAAAAAAAAAAAAAAAAAAAAAA", token);
        Assert.Equal(HttpStatusCode.BadRequest, forged.StatusCode);
    }

    [Fact]
    public async Task Some_resources_have_no_meta_lastUpdated()
    {
        var token = await f.TokenAsync();
        var (_, conditions) = await f.GetAsync($"Condition?patient={Abram}", token);
        Assert.All(conditions!["entry"]!.AsArray().Where(e => (string?)e!["search"]!["mode"] == "match"),
            e => Assert.Null(e!["resource"]!["meta"]?["lastUpdated"]));
        var (_, patient) = await f.GetAsync("Patient/" + Abram, token);
        Assert.NotNull(patient!["meta"]?["lastUpdated"]);
    }

    [Fact]
    public async Task The_sparse_patient_has_must_support_elements_missing()
    {
        var token = await f.TokenAsync();
        var (_, patient) = await f.GetAsync("Patient/" + SandboxPatients.SparseData, token);
        Assert.Null(patient!["birthDate"]);
        Assert.Null(patient["gender"]);
        var (_, allergies) = await f.GetAsync($"AllergyIntolerance?patient={SandboxPatients.SparseData}", token);
        var allergy = allergies!["entry"]![0]!["resource"]!;
        Assert.Null(allergy["code"]!["coding"]);
        Assert.Null(allergy["clinicalStatus"]);
        var (_, labs) = await f.GetAsync($"Observation?patient={SandboxPatients.SparseData}&code=http://loinc.org|4548-4", token);
        var lab = labs!["entry"]![0]!["resource"]!;
        Assert.Null(lab["valueQuantity"]);
        Assert.Null(lab["effectiveDateTime"]);
        var (_, meds) = await f.GetAsync($"MedicationRequest?patient={SandboxPatients.SparseData}", token);
        Assert.Null(meds!["entry"]![0]!["resource"]!["medicationCodeableConcept"]!["coding"]);
    }

    [Fact]
    public async Task Include_of_the_medication_adds_include_entries_or_a_59204_warning()
    {
        var token = await f.TokenAsync();
        var (_, bundle) = await f.GetAsync($"MedicationRequest?patient={SandboxPatients.CkdOnMetformin}&_include=MedicationRequest:medication", token);
        var entries = bundle!["entry"]!.AsArray();
        var included = Assert.Single(entries, e => (string?)e!["search"]!["mode"] == "include")!;
        Assert.Equal(DraftMedication.Metformin.EpicMedicationId, (string?)included["resource"]!["id"]);
        Assert.Equal(1, (int)bundle["total"]!); // total counts matches only

        var noMedication = f.Sandbox.IssueAccessToken(permissions: [new EpicApi("MedicationRequest", FhirInteraction.Search)]);
        var (_, suppressed) = await f.GetAsync($"MedicationRequest?patient={SandboxPatients.CkdOnMetformin}&_include=MedicationRequest:medication", noMedication);
        var outcomes = suppressed!["entry"]!.AsArray().Where(e => (string?)e!["search"]!["mode"] == "outcome").ToList();
        Assert.Equal("59204", (string?)Assert.Single(outcomes)!["resource"]!["issue"]![0]!["details"]!["coding"]![0]!["code"]);
        Assert.DoesNotContain(suppressed["entry"]!.AsArray(), e => (string?)e!["search"]!["mode"] == "include");
    }

    [Fact]
    public async Task Searches_our_services_use_work()
    {
        var token = await f.TokenAsync();
        async Task<int> Total(string q) => (int)(await f.GetAsync(q, token)).Body!["total"]!;

        Assert.Equal(1, await Total($"AllergyIntolerance?patient={SandboxPatients.PenicillinAllergic}&clinical-status=active"));
        Assert.Equal(1, await Total($"MedicationRequest?patient=Patient/{SandboxPatients.CkdOnMetformin}&status=active"));
        Assert.Equal(1, await Total($"MedicationRequest?patient={SandboxPatients.OnLisinopril}"));
        Assert.Equal(1, await Total($"Observation?patient={SandboxPatients.CkdOnMetformin}&code=http://loinc.org|62238-1"));
        Assert.Equal(1, await Total($"Condition?patient={SandboxPatients.Type2DiabeticHighA1c}&category=problem-list-item&code=http://snomed.info/sct|44054006"));
        Assert.Equal(1, await Total($"Observation?patient={SandboxPatients.Type2DiabeticHighA1c}&code=4548-4&date=ge{DateTime.UtcNow.AddMonths(-12):yyyy-MM-dd}"));
        Assert.Equal(1, await Total("Patient?identifier=urn:oid:1.2.840.114350.1.13.0.1.7.5.737384.0|FX1005"));
        Assert.Equal(1, await Total("Medication?code=http://www.nlm.nih.gov/research/umls/rxnorm|723"));
        Assert.True(await Total($"Encounter?patient={Abram}") > 5);
    }
}
