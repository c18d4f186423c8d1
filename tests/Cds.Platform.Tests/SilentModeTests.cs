using System.Net;
using System.Text.Json;
using Cds.EpicSandbox;
using Cds.EventStore;
using Cds.EventStore.RuleOutcomes;
using JasperFx.Events.Daemon;
using Marten;
using Marten.Events;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace Cds.Platform.Tests;

/// <summary>The platform with its hooks service and enrichment reading a tenants file (as deployed, via CDS_TENANTS_FILE) that the test edits.</summary>
public sealed class SilentModeFixture : PlatformFixture
{
    public string TenantsFile { get; } = Path.Combine(Path.GetTempPath(), $"cds-alerts-{Guid.NewGuid():N}.json");

    public SilentModeFixture() => WriteAlerts(renalSilent: false);

    /// <summary>The tenants file's alert settings for the sandbox (the rest of the tenant comes from the fixture's settings).</summary>
    public void WriteAlerts(bool renalSilent) => File.WriteAllText(TenantsFile,
        $$"""{ "Tenants": { "{{Tenant}}": { "Alerts": { "SilentRules": { "renal-dosing": {{(renalSilent ? "true" : "false")}} } } } } }""");

    // Both hosts read it: the hooks service decides (and records the switch), enrichment decides what it reads late.
    protected override IReadOnlyDictionary<string, string> HookSettings => new Dictionary<string, string>
    {
        ["CDS_TENANTS_FILE"] = TenantsFile,
    };

    protected override IReadOnlyDictionary<string, string> EnrichmentSettings => HookSettings;

    public override async Task DisposeAsync()
    {
        await base.DisposeAsync();
        File.Delete(TenantsFile);
    }
}

/// <summary>Silent (shadow) mode switched at runtime by editing the tenants file: no restart, the switch recorded.</summary>
public sealed class SilentModeTests(SilentModeFixture platform) : IClassFixture<SilentModeFixture>
{
    private const string RenalKey = $"Tenants:{PlatformFixture.Tenant}:Alerts:SilentRules:renal-dosing";

    [Fact]
    public async Task A_rule_switched_to_silent_by_a_reload_stops_reaching_Epic_and_is_recorded_as_would_have_fired()
    {
        var (liveHook, liveTopics) = await OrderSelectMetforminAsync();
        Assert.Contains("CDSRENALDOSE", liveTopics);

        var configuration = platform.Hooks.Services.GetRequiredService<IConfiguration>();
        Assert.False(bool.Parse(configuration[RenalKey]!));
        platform.WriteAlerts(renalSilent: true);
        await Eventually.WaitForAsync(() => Task.FromResult(bool.Parse(configuration[RenalKey]!) ? "reloaded" : null));
        var change = await Eventually.WaitForAsync(async () =>
        {
            await using var session = platform.Store.QuerySession(PlatformFixture.Tenant);
            var events = await session.Events.FetchStreamAsync(AlertSettingStreams.For(PlatformFixture.Tenant));
            return events.Select(e => e.Data).OfType<AlertSettingChanged>().FirstOrDefault(c => c.Key == RenalKey && IsTrue(c.NewValue));
        });
        Assert.False(IsTrue(change.OldValue));
        Assert.Equal("configuration reload", change.ChangedBy);

        var (silentHook, silentTopics) = await OrderSelectMetforminAsync();
        Assert.DoesNotContain("CDSRENALDOSE", silentTopics);

        await using (var session = platform.Store.QuerySession(PlatformFixture.Tenant))
        {
            var events = await session.Events.FetchStreamAsync(silentHook);
            var silenced = Assert.Single(events.Select(e => e.Data).OfType<CardsSilenced>());
            var finding = Assert.Single(silenced.Findings);
            Assert.Equal("renal-dosing", finding.RuleId);
            Assert.Equal([RenalKey], silenced.Settings);
            Assert.Contains(silenced.Cards, c => c.Uuid == finding.CardUuid && c.Source.Topic?.Code == "CDSRENALDOSE");
            // What Epic got and what enrichment answered carry no renal card.
            var timeline = await session.LoadAsync<HookTimeline>(silentHook);
            Assert.DoesNotContain(timeline!.Cards, c => c.Source.Topic?.Code == "CDSRENALDOSE");
            Assert.DoesNotContain(timeline.Findings, f => f.RuleId == "renal-dosing");
        }

        // Switched back: live again.
        platform.WriteAlerts(renalSilent: false);
        await Eventually.WaitForAsync(async () =>
        {
            await using var session = platform.Store.QuerySession(PlatformFixture.Tenant);
            var events = await session.Events.FetchStreamAsync(AlertSettingStreams.For(PlatformFixture.Tenant));
            return events.Select(e => e.Data).OfType<AlertSettingChanged>().FirstOrDefault(c => c.Key == RenalKey && !IsTrue(c.NewValue));
        });
        var (_, backTopics) = await OrderSelectMetforminAsync();
        Assert.Contains("CDSRENALDOSE", backTopics);

        // The async projection counts the live cards and the silent ones side by side.
        await platform.ReadCaughtUpProjectionsAsync(async session =>
        {
            var renal = await session.Query<RuleOutcomeDay>().Where(d => d.RuleId == "renal-dosing").ToListAsync();
            Assert.Equal(2, renal.Sum(d => d.Fired));
            Assert.Equal(1, renal.Sum(d => d.Silenced));
            Assert.Equal(2, renal.Sum(d => d.Shown));
            Assert.All(renal, d => Assert.Equal("cds-order-select", d.ServiceId));
        });
        Assert.NotEqual(liveHook, silentHook);
    }

    private static bool IsTrue(string? value) => bool.TryParse(value, out var b) && b;

    private async Task<(string HookInstance, List<string?> Topics)> OrderSelectMetforminAsync()
    {
        var driver = platform.Driver();
        var request = driver.BuildOrderSelect(SandboxPatients.CkdOnMetformin, [DraftMedication.Parse("metformin")]);
        using var response = await driver.SendAsync("cds-order-select", request);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        using var doc = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        return (request["hookInstance"]!.GetValue<string>(),
            [.. doc.RootElement.GetProperty("cards").EnumerateArray().Select(c => c.GetProperty("source").GetProperty("topic").GetProperty("code").GetString())]);
    }
}
