using System.Net;
using System.Text.Json.Nodes;
using Cds.EpicSandbox;
using Cds.EventStore;
using Marten;

namespace Cds.Platform.Tests;

/// <summary>
/// The optional CDS Hooks 2.0 <c>tenant</c> JWT claim (the caller's opaque name of the organisation) is recorded with the
/// hook's HookReceived event and on its timeline; without it nothing is recorded.
/// </summary>
public sealed class ClientTenantRecordingTests(PlatformFixture platform) : IClassFixture<PlatformFixture>
{
    [Fact]
    public async Task The_tenant_claim_is_recorded_with_HookReceived_and_on_the_timeline()
    {
        var (received, timeline) = await SendPatientViewAsync(o => o.ExtraClaims["tenant"] = JsonValue.Create("org-north-7"));
        Assert.Equal("org-north-7", received.ClientTenant);
        Assert.Equal(PlatformFixture.Tenant, received.Tenant);
        Assert.Equal("org-north-7", timeline.ClientTenant);
        Assert.Contains(timeline.Entries, e => e.What == "hook-received" && e.Detail.Contains("org-north-7", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Without_the_claim_nothing_is_recorded()
    {
        var (received, timeline) = await SendPatientViewAsync(null);
        Assert.Null(received.ClientTenant);
        Assert.Null(timeline.ClientTenant);
        Assert.DoesNotContain(timeline.Entries, e => e.Detail.Contains("tenant claim", StringComparison.Ordinal));
    }

    /// <summary>An Epic-signed patient-view (JWT changed by <paramref name="tweak"/>): its HookReceived event and timeline.</summary>
    private async Task<(HookReceived Received, HookTimeline Timeline)> SendPatientViewAsync(Action<JwtOverrides>? tweak)
    {
        var driver = platform.Driver();
        var request = driver.BuildPatientView(SandboxPatients.NoData);
        var hookInstance = request["hookInstance"]!.GetValue<string>();
        using var response = await driver.SendAsync("cds-patient-view", request, tweak);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);

        await using var session = platform.Store.QuerySession(PlatformFixture.Tenant);
        var received = (await session.Events.FetchStreamAsync(hookInstance)).Select(e => e.Data).OfType<HookReceived>().Single();
        var timeline = await session.LoadAsync<HookTimeline>(hookInstance);
        Assert.NotNull(timeline);
        return (received, timeline);
    }
}
