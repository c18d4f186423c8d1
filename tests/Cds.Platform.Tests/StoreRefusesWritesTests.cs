using System.Diagnostics;
using System.Net;
using System.Text.Json;
using Cds.EpicSandbox;
using Cds.Testing;

namespace Cds.Platform.Tests;

/// <summary>
/// README, "While PostgreSQL is down": enrichment evaluates what the request carried and answers without recording.
/// Here the store is up but refuses every append (INSERT on the event table revoked): the hook must still get its
/// safety cards at once, not wait out its deadline for a fault that never arrives.
/// </summary>
public sealed class StoreRefusesWritesTests(PlatformFixture platform) : IClassFixture<PlatformFixture>
{
    [Fact]
    public async Task A_store_that_refuses_the_hook_record_still_gets_the_critical_card_to_Epic_at_once()
    {
        var driver = platform.Driver();
        // Warm-up (JIT, JWKS, pools, the enrichment queue consumed): the timing below is a hang guard, not a benchmark.
        using (await driver.SendAsync("cds-patient-view", driver.BuildPatientView(SandboxPatients.NoData)))
        {
        }
        using var refused = new FhirCallCounter(platform.Hooks.Services, "Cds.Hooks", "cds.hooks.store_failures");

        HttpResponseMessage response;
        var clock = Stopwatch.StartNew();
        await using (await platform.RevokeEventInsertsAsync())
        {
            // Everything the allergy rule needs is in the prefetch: decided in the hooks process, answered unrecorded.
            response = await driver.SendAsync("cds-order-select",
                driver.BuildOrderSelect(SandboxPatients.PenicillinAllergic, [DraftMedication.Parse("amoxicillin")]));
            clock.Stop();
        }

        using (response)
        {
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            using var doc = await CdsHooksAssert.ReadResponseAsync(response);
            var cards = doc.RootElement.GetProperty("cards").EnumerateArray().ToList();
            Assert.Contains(cards, c => c.GetProperty("indicator").GetString() == "critical"
                && c.GetProperty("source").GetProperty("topic").GetProperty("code").GetString() == "CDSDRUGALLERGY");
        }
        // The fixture's deadline is 20 s: an answer at the deadline is the bug, anything near the decision's own
        // time is the fix. 5 s leaves a loaded 2-core machine plenty of room either way.
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(5), $"answered after {clock.Elapsed.TotalMilliseconds:0} ms (deadline 20 s)");
        Assert.True(refused.Sum() >= 1, "cds.hooks.store_failures did not move: " + refused.Describe());
    }
}
