using System.Net;
using System.Text.Json;
using Cds.EpicSandbox;
using Cds.EventStore;
using Marten;

namespace Cds.Platform.Tests;

/// <summary>The platform with a short order-time bound (3 s), so "older than the bound" takes seconds, not a minute.</summary>
public sealed class FreshnessFixture : PlatformFixture
{
    public static readonly TimeSpan Bound = TimeSpan.FromSeconds(3);

    protected override IReadOnlyDictionary<string, string> EnrichmentSettings => new Dictionary<string, string>
    {
        ["Enrichment:OrderTimeMaxAge"] = Bound.ToString(),
    };

    // The hooks service decides on a warm context within the same bound; past it, it asks enrichment to read again.
    protected override IReadOnlyDictionary<string, string> HookSettings => new Dictionary<string, string>
    {
        ["Hooks:WarmContextMaxAge"] = Bound.ToString(),
    };
}

internal static class FreshnessSteps
{
    /// <summary>An order-sign with neither prefetch nor fhirAuthorization: enrichment completes the context itself.</summary>
    public static async Task<(string HookInstance, IReadOnlyList<JsonElement> Cards)> OrderSignAsync(PlatformFixture platform, string patient, string medication)
    {
        var driver = platform.Driver();
        var request = driver.BuildOrderSign(patient, [DraftMedication.Parse(medication)], new HookOptions { PrefetchKeys = [], IncludeFhirAuthorization = false });
        using var response = await driver.SendAsync("cds-order-sign", request);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        using var doc = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        return (request["hookInstance"]!.GetValue<string>(), [.. doc.RootElement.GetProperty("cards").EnumerateArray().Select(c => c.Clone())]);
    }

    public static int BackendReadsOf(PlatformFixture platform, string patient) =>
        platform.Sandbox.State.FhirRequests.Count(r => r.ClientId == SandboxClients.NonProdClientId && r.PathAndQuery.Contains(patient, StringComparison.Ordinal));

    public static Task<HookTimeline> TimelineAsync(PlatformFixture platform, string hookInstance) =>
        Eventually.WaitForAsync(async () =>
        {
            await using var session = platform.Store.QuerySession(PlatformFixture.Tenant);
            var timeline = await session.LoadAsync<HookTimeline>(hookInstance);
            return timeline?.PatientData is null ? null : timeline;
        }, () => Task.FromResult($"no patient data recorded for hook {hookInstance}"));

    public static string Topic(JsonElement card) => card.GetProperty("source").GetProperty("topic").GetProperty("code").GetString()!;
}

/// <summary>At order-sign, data older than Enrichment:OrderTimeMaxAge is read again from Epic (patient-view keeps WarmContextTtl).</summary>
public sealed class OrderTimeRereadTests(FreshnessFixture platform) : IClassFixture<FreshnessFixture>
{
    [Fact]
    public async Task A_second_order_sign_after_the_bound_reads_Epic_again()
    {
        const string patient = SandboxPatients.CkdOnMetformin;
        var before = FreshnessSteps.BackendReadsOf(platform, patient);
        var first = await FreshnessSteps.OrderSignAsync(platform, patient, "metformin");
        var readAt = DateTimeOffset.UtcNow;
        var afterFirst = FreshnessSteps.BackendReadsOf(platform, patient);
        Assert.True(afterFirst > before, "the first order-sign did not read the chart from Epic");
        Assert.Contains(first.Cards, c => FreshnessSteps.Topic(c) == "CDSRENALDOSE");
        Assert.Equal(PatientDataSources.Epic, (await FreshnessSteps.TimelineAsync(platform, first.HookInstance)).PatientData!.Source);

        // Within the bound: the warm context is young enough, Epic is not read.
        var second = await FreshnessSteps.OrderSignAsync(platform, patient, "metformin");
        if (DateTimeOffset.UtcNow - readAt < FreshnessFixture.Bound)
        {
            Assert.Equal(afterFirst, FreshnessSteps.BackendReadsOf(platform, patient));
            Assert.Equal(PatientDataSources.Warm, (await FreshnessSteps.TimelineAsync(platform, second.HookInstance)).PatientData!.Source);
        }

        // After the bound (but well inside WarmContextTtl, 10 min): Epic is read again, within the deadline.
        await Task.Delay(FreshnessFixture.Bound + TimeSpan.FromSeconds(1));
        var beforeThird = FreshnessSteps.BackendReadsOf(platform, patient);
        var third = await FreshnessSteps.OrderSignAsync(platform, patient, "metformin");

        Assert.True(FreshnessSteps.BackendReadsOf(platform, patient) > beforeThird, "Epic was not read again after the order-time bound");
        var renal = Assert.Single(third.Cards, c => FreshnessSteps.Topic(c) == "CDSRENALDOSE");
        Assert.DoesNotContain("Based on chart data read", renal.GetProperty("detail").GetString());
        var data = (await FreshnessSteps.TimelineAsync(platform, third.HookInstance)).PatientData!;
        Assert.Equal(PatientDataSources.Epic, data.Source);
        Assert.False(data.Stale);
    }
}

/// <summary>When Epic cannot be read again at order time, the older data is used, its age recorded and shown on the card.</summary>
public sealed class OrderTimeStaleFallbackTests(FreshnessFixture platform) : IClassFixture<FreshnessFixture>
{
    [Fact]
    public async Task With_Epic_failing_the_older_data_is_used_and_its_age_is_recorded_and_shown()
    {
        const string patient = SandboxPatients.PenicillinAllergic;
        var first = await FreshnessSteps.OrderSignAsync(platform, patient, "amoxicillin");
        Assert.Contains(first.Cards, c => FreshnessSteps.Topic(c) == "CDSDRUGALLERGY");
        await Task.Delay(FreshnessFixture.Bound + TimeSpan.FromSeconds(1));

        var outage = platform.Sandbox.Faults.Status(503);
        try
        {
            var second = await FreshnessSteps.OrderSignAsync(platform, patient, "amoxicillin");

            Assert.True(outage.Fired > 0, "Epic was not asked again after the order-time bound");
            var allergy = Assert.Single(second.Cards, c => FreshnessSteps.Topic(c) == "CDSDRUGALLERGY");
            Assert.Contains("Based on chart data read from Epic", allergy.GetProperty("detail").GetString());
            var timeline = await FreshnessSteps.TimelineAsync(platform, second.HookInstance);
            var data = timeline.PatientData!;
            Assert.Equal(PatientDataSources.Stale, data.Source);
            Assert.True(data.Stale);
            Assert.True(data.AgeSeconds >= FreshnessFixture.Bound.TotalSeconds, $"recorded age {data.AgeSeconds} s");
            Assert.Contains("could not be read again", data.Note);
            Assert.Contains(timeline.Entries, e => e.What == "patient-data-stale" && e.Detail.Contains("read ", StringComparison.Ordinal));
            Assert.Contains(timeline.Findings, f => f.TopicCode == "CDSDRUGALLERGY" && f.Evidence.Any(e => e.StartsWith("data-age=", StringComparison.Ordinal)));
        }
        finally
        {
            platform.Sandbox.Faults.Remove(outage);
        }
    }
}
