using System.Net;
using System.Text.Json;
using Cds.EpicSandbox;
using Cds.EventStore;
using Cds.Rules;
using Marten;

namespace Cds.Platform.Tests;

/// <summary>The platform with the sandbox tenant's renal-dosing eGFR cut-off raised from 30 to 45 (Tenants:{id}:Rules).</summary>
public sealed class RuleTuningFixture : PlatformFixture
{
    public const string Setting = $"Tenants:{Tenant}:Rules:renal-dosing:Parameters:drugs[0].egfrBelow";

    protected override IReadOnlyDictionary<string, string> HookSettings => new Dictionary<string, string> { [Setting] = "45" };

    protected override IReadOnlyDictionary<string, string> EnrichmentSettings => HookSettings;
}

/// <summary>A tenant's tuned threshold decides the card Epic gets, and the recorded evaluation says it was tuned.</summary>
public sealed class RuleTuningHookTests(RuleTuningFixture platform) : IClassFixture<RuleTuningFixture>
{
    [Fact]
    public async Task A_raised_egfr_cut_off_is_on_the_renal_card_and_its_overrides_hash_on_the_recorded_finding()
    {
        var driver = platform.Driver();
        var request = driver.BuildOrderSelect(SandboxPatients.CkdOnMetformin, [DraftMedication.Parse("metformin")]);
        using var response = await driver.SendAsync("cds-order-select", request);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        using var doc = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        var renal = Assert.Single(doc.RootElement.GetProperty("cards").EnumerateArray(),
            c => c.GetProperty("source").GetProperty("topic").GetProperty("code").GetString() == "CDSRENALDOSE");
        Assert.Contains("is below 45", renal.GetProperty("summary").GetString());

        var hash = RuleTuning.OverridesHash(new Dictionary<string, string> { ["drugs[0].egfrBelow"] = "45" });
        await using var session = platform.Store.QuerySession(PlatformFixture.Tenant);
        var timeline = await Eventually.WaitForAsync(async () =>
            await session.LoadAsync<HookTimeline>(request["hookInstance"]!.GetValue<string>()) is { EnrichedAt: not null } t ? t : null);
        var finding = Assert.Single(timeline.Findings, f => f.RuleId == "renal-dosing");
        Assert.Equal("1.0.0", finding.RuleVersion);
        Assert.Equal(hash, finding.OverridesHash);
        Assert.Contains("threshold=45", finding.Evidence);
        Assert.Contains($"renal-dosing@1.0.0+{hash}", timeline.RuleVersions);
        Assert.Contains(timeline.RuleVersions, v => v.StartsWith("drug-allergy@", StringComparison.Ordinal) && !v.Contains('+', StringComparison.Ordinal));
    }
}
