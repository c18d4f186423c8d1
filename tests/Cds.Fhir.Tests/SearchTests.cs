using Cds.EpicSandbox;
using Cds.Fhir.Search;
using Cds.Testing;
using Hl7.Fhir.Model;
using Xunit;
using Task = System.Threading.Tasks.Task;

namespace Cds.Fhir.Tests;

/// <summary>Searches over real HTTP: paging by Epic's opaque next links, caps, outcomes, Epic's refusals.</summary>
public sealed class SearchTests : IClassFixture<SandboxFixture>
{
    private readonly EpicSandboxServer _sandbox;

    public SearchTests(SandboxFixture fixture)
    {
        _sandbox = fixture.Sandbox;
        _sandbox.Reset();
    }

    private static KeyValuePair<string, string>[] Labs(string patient) => [new("patient", patient), new("category", "laboratory")];

    private int SearchRequests(string type) => _sandbox.State.FhirRequests.Count(r => r.ResourceType == type && r.Method == "GET");

    [Fact]
    public async Task Follows_next_links_as_returned_through_every_page()
    {
        await using var host = new FhirTestHost(new TenantConfig("t", _sandbox.FhirBaseUrl).Set("Search:MaxPages", "50"));

        var result = await host.Clients.ForTenant("t").SearchAsync<Observation>(Labs(SandboxPatients.AbramLemke));

        Assert.False(result.Truncated);
        Assert.Equal(TruncationReason.None, result.TruncationReason);
        Assert.True(result.Pages > 10, $"only {result.Pages} page(s)");
        Assert.Equal(result.Pages, SearchRequests("Observation"));
        Assert.Equal(result.Pages - 1, _sandbox.State.FhirRequests.Count(r => r.PathAndQuery.Contains("_page=", StringComparison.Ordinal)));
        Assert.All(_sandbox.State.FhirRequests, r => Assert.Equal(200, r.Status));
        Assert.Equal(result.Resources.Count, result.Resources.Select(r => r.Id).Distinct().Count());
        Assert.True(result.Resources.Count > 30);
        Assert.True(result.Bytes > 0);
        Assert.Empty(result.Outcomes);
    }

    [Fact]
    public async Task A_result_cut_by_pages_resources_or_bytes_says_so()
    {
        await using var host = new FhirTestHost(
            new TenantConfig("pages", _sandbox.FhirBaseUrl).Set("Search:MaxPages", "2"),
            new TenantConfig("resources", _sandbox.FhirBaseUrl).Set("Search:MaxResources", "15"),
            new TenantConfig("bytes", _sandbox.FhirBaseUrl).Set("Search:MaxBytes", "30000"));
        var all = await host.Clients.ForTenant("pages").SearchAsync<Observation>(Labs(SandboxPatients.AbramLemke), limits: new SearchLimits(100, 10_000, 50_000_000));

        var byPages = await host.Clients.ForTenant("pages").SearchAsync<Observation>(Labs(SandboxPatients.AbramLemke));
        Assert.True(byPages.Truncated);
        Assert.Equal(TruncationReason.MaxPages, byPages.TruncationReason);
        Assert.Equal(2, byPages.Pages);
        Assert.Equal(all.Resources.Take(byPages.Resources.Count).Select(r => r.Id), byPages.Resources.Select(r => r.Id));

        var byResources = await host.Clients.ForTenant("resources").SearchAsync<Observation>(Labs(SandboxPatients.AbramLemke));
        Assert.Equal(TruncationReason.MaxResources, byResources.TruncationReason);
        Assert.Equal(15, byResources.Resources.Count);

        var byBytes = await host.Clients.ForTenant("bytes").SearchAsync<Observation>(Labs(SandboxPatients.AbramLemke));
        Assert.Equal(TruncationReason.MaxBytes, byBytes.TruncationReason);
        Assert.True(byBytes.Bytes <= 30000);
        Assert.True(byBytes.Resources.Count < all.Resources.Count);

        Assert.Equal(1, host.Metrics.Sum("cds.fhir.search.truncated", ("tenant", "bytes"), ("reason", "MaxBytes")));
    }

    [Fact]
    public async Task Epic_no_results_bundle_gives_an_outcome_and_no_resources()
    {
        await using var host = new FhirTestHost(new TenantConfig("t", _sandbox.FhirBaseUrl));
        var result = await host.Clients.ForTenant("t").SearchAsync<Condition>([new("patient", SandboxPatients.NoData)]);
        Assert.True(result.IsEmpty);
        Assert.False(result.Truncated);
        Assert.Contains("4101", result.OutcomeCodes);
    }

    [Fact]
    public async Task Observation_search_without_category_or_code_is_refused_before_any_call()
    {
        await using var host = new FhirTestHost(new TenantConfig("t", _sandbox.FhirBaseUrl));
        var ex = await Assert.ThrowsAsync<EpicSearchRejectedException>(() =>
            host.Clients.ForTenant("t").SearchAsync<Observation>([new("patient", SandboxPatients.CkdOnMetformin)]));
        Assert.Contains("'category' or 'code'", ex.Message);
        Assert.Null(ex.StatusCode);
        Assert.Empty(_sandbox.State.FhirRequests);
        Assert.Empty(_sandbox.State.TokenRequests);
    }

    [Fact]
    public async Task Parameters_missing_from_the_CapabilityStatement_are_refused_before_the_search_unless_overridden()
    {
        await using var host = new FhirTestHost(new TenantConfig("t", _sandbox.FhirBaseUrl));
        var ex = await Assert.ThrowsAsync<EpicSearchRejectedException>(() =>
            host.Clients.ForTenant("t").SearchAsync<AllergyIntolerance>([new("patient", SandboxPatients.PenicillinAllergic), new("criticality", "high")]));
        Assert.Contains("'criticality'", ex.Message);
        Assert.Contains("Search:SupportedParameters:AllergyIntolerance", ex.Message);
        Assert.Equal(0, SearchRequests("AllergyIntolerance"));

        // With the site override the search goes out (and Epic's own answer decides).
        await using var overridden = new FhirTestHost(new TenantConfig("t", _sandbox.FhirBaseUrl).Set("Search:SupportedParameters:AllergyIntolerance:0", "criticality"));
        await overridden.Clients.ForTenant("t").SearchAsync<AllergyIntolerance>([new("patient", SandboxPatients.PenicillinAllergic), new("criticality", "high")]);
        Assert.Equal(1, SearchRequests("AllergyIntolerance"));
    }

    [Fact]
    public async Task A_search_Epic_refuses_becomes_a_search_rejected_error_with_its_codes()
    {
        // Without the local guard (capability check off), Epic itself refuses a rebuilt paging request.
        await using var host = new FhirTestHost(new TenantConfig("t", _sandbox.FhirBaseUrl).Set("Search:UseCapabilityStatement", "false"));
        var ex = await Assert.ThrowsAsync<EpicSearchRejectedException>(() =>
            host.Clients.ForTenant("t").SearchAsync<Condition>([new("patient", SandboxPatients.CkdOnMetformin), new("_offset", "10")]));
        Assert.Equal(400, ex.StatusCode);
        Assert.Equal("Condition", ex.Resource);
        Assert.NotEmpty(ex.OutcomeCodes);
        Assert.DoesNotContain(SandboxPatients.CkdOnMetformin, ex.Message);
    }

    [Fact]
    public async Task Read_of_a_missing_resource_is_null()
    {
        await using var host = new FhirTestHost(new TenantConfig("t", _sandbox.FhirBaseUrl));
        Assert.Null(await host.Clients.ForTenant("t").ReadAsync<Patient>("eDoesNotExist.123"));
        Assert.Equal(1, host.Metrics.Sum("cds.fhir.requests", ("tenant", "t"), ("resource", "Patient"), ("interaction", "read"), ("status", 404), ("token_kind", "backend")));
    }
}
