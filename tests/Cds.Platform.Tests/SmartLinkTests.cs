using Cds.EpicSandbox;
using Cds.EventStore;
using Cds.Fhir.Smart;
using Cds.Testing;

namespace Cds.Platform.Tests;

/// <summary>The hooks service with the SMART app configured: its link key and launch URL.</summary>
public sealed class SmartLinkFixture : PlatformFixture
{
    public const string LaunchUrl = "https://cds.example.org/smart/launch";

    public string Key { get; } = SmartAppContext.NewKey();

    protected override IReadOnlyDictionary<string, string> HookSettings => new Dictionary<string, string>
    {
        ["SmartApp:LaunchUrl"] = LaunchUrl,
        ["SmartApp:AppContextKey"] = Key,
    };
}

/// <summary>Every card Epic gets carries the SMART link to its explanation; what the store records is what the rules made.</summary>
public sealed class SmartLinkTests(SmartLinkFixture platform) : IClassFixture<SmartLinkFixture>
{
    [Fact]
    public async Task A_hooks_cards_carry_a_smart_link_whose_app_context_names_the_hook_and_the_card()
    {
        var driver = platform.Driver(); // strict: the answer must pass the CDS Hooks 2.0 response schema
        var request = driver.BuildPatientView(SandboxPatients.Type2DiabeticHighA1c);
        var hookInstance = request["hookInstance"]!.GetValue<string>();

        using var response = await driver.SendAsync("cds-patient-view", request);
        using var doc = await CdsHooksAssert.ReadResponseAsync(response);
        var cards = doc.RootElement.GetProperty("cards").EnumerateArray().ToList();
        Assert.NotEmpty(cards);
        foreach (var card in cards)
        {
            var link = Assert.Single(card.GetProperty("links").EnumerateArray(), l => l.GetProperty("type").GetString() == "smart");
            Assert.Equal(SmartLinkFixture.LaunchUrl, link.GetProperty("url").GetString());
            var opened = SmartAppContext.TryOpen(link.GetProperty("appContext").GetString(), PlatformFixture.Tenant, platform.Key);
            Assert.NotNull(opened);
            Assert.Equal((hookInstance, card.GetProperty("uuid").GetString()), (opened.HookInstance, opened.CardUuid));
        }

        await using var session = platform.Store.QuerySession(PlatformFixture.Tenant);
        var timeline = await session.LoadAsync<HookTimeline>(hookInstance);
        Assert.NotNull(timeline);
        Assert.All(timeline.Cards, c => Assert.DoesNotContain(c.Links ?? [], l => l.Type == "smart"));

        // A repeated hookInstance is answered from the store, with a link again.
        using var again = await driver.SendAsync("cds-patient-view", request);
        using var replayed = await CdsHooksAssert.ReadResponseAsync(again);
        Assert.All(replayed.RootElement.GetProperty("cards").EnumerateArray(), c =>
            Assert.Contains(c.GetProperty("links").EnumerateArray(), l => l.GetProperty("type").GetString() == "smart"));
    }
}
