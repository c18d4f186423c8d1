using System.Net;
using System.Text.Json;
using Cds.Contracts;
using Cds.EpicSandbox;
using Cds.EventStore;
using Cds.EventStore.RuleOutcomes;
using Marten;

namespace Cds.Platform.Tests;

/// <summary>The platform with the sandbox tenant snoozing duplicate therapy for 24 h after an override (both hosts read it).</summary>
public sealed class SnoozeAfterOverrideFixture : PlatformFixture
{
    protected override IReadOnlyDictionary<string, string> HookSettings => new Dictionary<string, string>
    {
        [$"Tenants:{Tenant}:Alerts:SnoozeAfterOverride:duplicate-therapy"] = "1.00:00:00",
    };

    protected override IReadOnlyDictionary<string, string> EnrichmentSettings => HookSettings;
}

/// <summary>
/// Snooze after override through Epic's own calls: an override with a reason holds the same card back from the patient's
/// next orders (decided here and by enrichment), recorded and counted; a new fact, an override without a reason and the
/// end of the snooze bring the card back.
/// </summary>
public sealed class SnoozeAfterOverrideTests(SnoozeAfterOverrideFixture platform) : IClassFixture<SnoozeAfterOverrideFixture>
{
    private const string Topic = "CDSDUPTHERAPY";

    [Fact]
    public async Task An_overridden_card_is_not_repeated_within_the_snooze_and_the_report_counts_it()
    {
        var driver = platform.Driver();
        var (firstHook, first) = await OrderSignAsync("enalapril");
        var overridden = Assert.Single(first, c => c.Topic == Topic).Uuid;
        using (var feedback = await driver.SendFeedbackAsync("cds-order-sign",
                   driver.BuildFeedback(overridden, "overridden", overrideReasonCode: "45", overrideReasonDisplay: "Patient tolerating")))
        {
            Assert.Equal(HttpStatusCode.OK, feedback.StatusCode);
        }

        // The same order, decided here (prefetch complete) and by enrichment (no prefetch, no fhirAuthorization): held back.
        var (local, localCards) = await OrderSignAsync("enalapril");
        Assert.DoesNotContain(localCards, c => c.Topic == Topic);
        var (bus, busCards) = await OrderSignAsync("enalapril", new HookOptions { PrefetchKeys = [], IncludeFhirAuthorization = false });
        Assert.DoesNotContain(busCards, c => c.Topic == Topic);
        foreach (var hook in new[] { local, bus })
        {
            var snoozed = await Eventually.WaitForAsync(async () =>
            {
                await using var session = platform.Store.QuerySession(PlatformFixture.Tenant);
                return (await session.Events.FetchStreamAsync(hook)).Select(e => e.Data).OfType<CardsSnoozed>().FirstOrDefault();
            });
            Assert.Equal("duplicate-therapy", Assert.Single(snoozed.Findings).RuleId);
            Assert.Equal([overridden], snoozed.OverriddenCards);
            Assert.Equal(Topic, Assert.Single(snoozed.Cards).Source.Topic?.Code);
        }

        // A late result evaluated before the override, waiting for the patient's next hook, is held back too.
        await using (var session = platform.Store.LightweightSession(PlatformFixture.Tenant))
        {
            var decided = (await session.LoadAsync<HookTimeline>(firstHook))!;
            session.Store(new LateResult
            {
                Id = SandboxPatients.OnLisinopril, HookInstance = "late-" + Guid.NewGuid(), Hook = "order-select",
                Cards = decided.Cards, Findings = decided.Findings, CompletedAt = DateTimeOffset.UtcNow,
            });
            await session.SaveChangesAsync();
        }
        var (next, nextCards) = await OrderSignAsync("ibuprofen");
        Assert.DoesNotContain(nextCards, c => c.Topic == Topic);
        await using (var session = platform.Store.QuerySession(PlatformFixture.Tenant))
        {
            var held = Assert.Single((await session.Events.FetchStreamAsync(next)).Select(e => e.Data).OfType<CardsSnoozed>());
            Assert.Equal([overridden], held.OverriddenCards);
            Assert.Null(await session.LoadAsync<LateResult>(SandboxPatients.OnLisinopril)); // taken: shown (held back) once
        }

        // A new fact (lisinopril itself, not enalapril) is a new card; overridden without a reason, it is not snoozed.
        var (_, other) = await OrderSignAsync("lisinopril");
        var otherCard = Assert.Single(other, c => c.Topic == Topic).Uuid;
        using (var feedback = await driver.SendFeedbackAsync("cds-order-sign", driver.BuildFeedback(otherCard, "overridden")))
        {
            Assert.Equal(HttpStatusCode.OK, feedback.StatusCode);
        }
        var (_, otherAgain) = await OrderSignAsync("lisinopril");
        Assert.Contains(otherAgain, c => c.Topic == Topic);

        // The snooze ends: its override 25 h ago, the enalapril card is shown again.
        await using (var session = platform.Store.LightweightSession(PlatformFixture.Tenant))
        {
            var snooze = Assert.Single(await session.Query<OverrideSnooze>().Where(s => s.RuleId == "duplicate-therapy").ToListAsync());
            Assert.Equal(overridden, snooze.CardUuid);
            session.Store(snooze with { OverriddenAt = snooze.OverriddenAt.AddHours(-25) });
            await session.SaveChangesAsync();
        }
        var (_, after) = await OrderSignAsync("enalapril");
        Assert.Contains(after, c => c.Topic == Topic);

        // The async projection (and so `rules report`) counts the two held-back cards beside the shown ones.
        await platform.ReadCaughtUpProjectionsAsync(async session =>
        {
            var days = await session.Query<RuleOutcomeDay>().Where(d => d.RuleId == "duplicate-therapy").ToListAsync();
            Assert.Equal(3, days.Sum(d => d.Snoozed));
            Assert.Equal(4, days.Sum(d => d.Shown));
            Assert.Equal(2, days.Sum(d => d.Overridden));
        });
    }

    private async Task<(string HookInstance, List<(string? Topic, string Uuid)> Cards)> OrderSignAsync(string medication, HookOptions? options = null)
    {
        var driver = platform.Driver();
        var request = driver.BuildOrderSign(SandboxPatients.OnLisinopril, [Cds.EpicSandbox.DraftMedication.Parse(medication)], options);
        using var response = await driver.SendAsync("cds-order-sign", request);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        using var doc = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        return (request["hookInstance"]!.GetValue<string>(), [.. doc.RootElement.GetProperty("cards").EnumerateArray()
            .Select(c => (c.GetProperty("source").GetProperty("topic").GetProperty("code").GetString(), c.GetProperty("uuid").GetString()!))]);
    }
}
