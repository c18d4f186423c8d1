using Cds.EpicSandbox;
using Cds.EventStore;
using Marten;

namespace Cds.Platform.Tests;

/// <summary>A medication no rule vocabulary recognises is counted per tenant and named by its codes on the timeline.</summary>
public sealed class UnrecognisedMedicationTests(PlatformFixture platform) : IClassFixture<PlatformFixture>
{
    [Fact]
    public async Task An_order_for_a_drug_outside_every_vocabulary_is_counted_and_recorded_by_code()
    {
        using var counter = new FhirCallCounter(platform.Enrichment.Services, "Cds.Enrichment", "cds.enrichment.unrecognised_medications");
        // Ibuprofen (RxNorm 5640 / 310965) is in no rule's vocabulary; the patient's active metformin is.
        var (hookInstance, _) = await FreshnessSteps.OrderSignAsync(platform, SandboxPatients.CkdOnMetformin, "ibuprofen");

        Assert.True(counter.Sum(("tenant", PlatformFixture.Tenant), ("source", "draft")) == 1, counter.Describe());
        Assert.Equal(0, counter.Sum(("source", "active")));
        var timeline = await Eventually.WaitForAsync(async () =>
        {
            await using var session = platform.Store.QuerySession(PlatformFixture.Tenant);
            var t = await session.LoadAsync<HookTimeline>(hookInstance);
            return t?.EnrichedAt is null ? null : t;
        });
        var recorded = Assert.Single(timeline.UnrecognisedMedications);
        Assert.StartsWith("draft ", recorded);
        Assert.Contains("rxnorm|310965", recorded);
        Assert.Contains("rxnorm|5640", recorded);
        Assert.DoesNotContain("ibuprofen", recorded, StringComparison.OrdinalIgnoreCase);
        Assert.Contains(timeline.Entries, e => e.What == "medications-unrecognised" && e.Detail.StartsWith("1: ", StringComparison.Ordinal));
    }
}
