using System.Net;
using Cds.EpicSandbox;

namespace Cds.Platform.Tests;

/// <summary>
/// Every FHIR call of every process is metered in one series, <c>cds.fhir.requests</c>, by token kind: the hooks
/// service's prefetch reads with the hook's <c>fhirAuthorization</c> (hook) as much as enrichment's backend reads.
/// </summary>
public sealed class FhirMeteringTests(PlatformFixture platform) : IClassFixture<PlatformFixture>
{
    [Fact]
    public async Task A_prefetch_key_fetched_with_the_hook_token_moves_the_fhir_call_counter_as_a_hook_call()
    {
        using var hooks = FhirCallCounter.Of(platform.Hooks);
        var hooksClientCallsBefore = HookClientCalls("MedicationRequest");
        var driver = platform.Driver();
        // Epic sends the patient only: medications, allergies, conditions and labs are fetched with the hook's token.
        var request = driver.BuildPatientView(SandboxPatients.Type2DiabeticHighA1c, new HookOptions { PrefetchKeys = ["patient"] });

        using var response = await driver.SendAsync("cds-patient-view", request);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var served = HookClientCalls("MedicationRequest") - hooksClientCallsBefore;
        Assert.True(served >= 1, "the sandbox served no MedicationRequest search to the CDS Hooks client");
        var tags = new (string, object)[]
        {
            ("tenant", PlatformFixture.Tenant), ("token_kind", "hook"), ("resource", "MedicationRequest"), ("interaction", "search"), ("status", 200),
        };
        Assert.True(served == hooks.Sum(tags), $"sandbox served {served} hook-token MedicationRequest searches; counted: {hooks.Describe()}");
        Assert.True(hooks.Sum(("token_kind", "hook"), ("resource", "Observation"), ("status", 200)) >= 1, hooks.Describe());
        Assert.Equal(0, hooks.Sum(("token_kind", "backend")));

        // ... and the hooks host exports it.
        using var scrape = platform.Hooks.CreateClient();
        var metrics = await scrape.GetStringAsync("/metrics");
        Assert.Contains(metrics.Split('\n'), line => line.StartsWith("cds_fhir_requests_total{", StringComparison.Ordinal)
            && line.Contains("token_kind=\"hook\"", StringComparison.Ordinal) && line.Contains("resource=\"MedicationRequest\"", StringComparison.Ordinal)
            && line.Contains("status=\"200\"", StringComparison.Ordinal) && line.Contains($"tenant=\"{PlatformFixture.Tenant}\"", StringComparison.Ordinal));
    }

    [Fact]
    public async Task A_backend_read_moves_the_same_counter_as_a_backend_call()
    {
        using var enrichment = FhirCallCounter.Of(platform.Enrichment);
        var before = BackendClientCalls("AllergyIntolerance");
        var driver = platform.Driver();
        // Neither prefetch nor fhirAuthorization: enrichment reads the chart with the platform's backend token.
        var request = driver.BuildOrderSign(SandboxPatients.OnLisinopril, [DraftMedication.Enalapril],
            new HookOptions { PrefetchKeys = [], IncludeFhirAuthorization = false });

        using var response = await driver.SendAsync("cds-order-sign", request);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var served = BackendClientCalls("AllergyIntolerance") - before;
        Assert.True(served >= 1, "the sandbox served no AllergyIntolerance search to the backend client");
        Assert.True(served == enrichment.Sum(("tenant", PlatformFixture.Tenant), ("token_kind", "backend"), ("resource", "AllergyIntolerance"),
            ("interaction", "search"), ("status", 200)), $"sandbox served {served} backend AllergyIntolerance searches; counted: {enrichment.Describe()}");
        Assert.Equal(0, enrichment.Sum(("token_kind", "hook")));
    }

    private int HookClientCalls(string type) => platform.Sandbox.State.FhirRequests.Count(r => r.ResourceType == type && r.ClientId == SandboxClients.CdsHooksClientId);

    private int BackendClientCalls(string type) => platform.Sandbox.State.FhirRequests.Count(r => r.ResourceType == type && r.ClientId == SandboxClients.NonProdClientId);
}
