using System.Net;
using Cds.EpicSandbox;
using Cds.EventStore;
using Cds.Testing;
using Marten;

namespace Cds.Platform.Tests;

/// <summary>The platform whose broker goes away mid-test: this fixture's RabbitMQ virtual host is deleted.</summary>
public sealed class BrokerDownFixture : PlatformFixture;

public sealed class BrokerDownTests(BrokerDownFixture platform) : IClassFixture<BrokerDownFixture>
{
    [Fact]
    public async Task With_the_broker_down_a_hook_with_complete_prefetch_still_gets_its_live_cards_recorded()
    {
        // The virtual host goes: every connection of both services is closed and none can be opened again.
        (await platform.Infra.Management.DeleteAsync($"api/vhosts/{platform.Infra.VirtualHost}")).EnsureSuccessStatusCode();

        var driver = platform.Driver();
        var request = driver.BuildPatientView(SandboxPatients.Type2DiabeticHighA1c);
        var hookInstance = request["hookInstance"]!.GetValue<string>();
        using var response = await driver.SendAsync("cds-patient-view", request);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        using var doc = await CdsHooksAssert.ReadResponseAsync(response);
        Assert.Contains(doc.RootElement.GetProperty("cards").EnumerateArray(),
            c => c.GetProperty("source").GetProperty("topic").GetProperty("code").GetString() == "CDSDMHBA1CGAP");
        await using var session = platform.Store.QuerySession(PlatformFixture.Tenant);
        var timeline = await session.LoadAsync<HookTimeline>(hookInstance);
        Assert.Equal(CardSources.Live, timeline!.CardSource);
    }
}
