using System.Net;
using System.Text.Json;
using Cds.EpicSandbox;
using Cds.EventStore;
using Cds.Testing;
using Marten;

namespace Cds.Platform.Tests;

/// <summary>Epic-signed hooks through every layer: HTTP → RabbitMQ → enrichment → Marten → cards back to Epic.</summary>
public sealed class WalkingSkeletonTests(PlatformFixture platform) : IClassFixture<PlatformFixture>
{
    [Fact]
    public async Task Discovery_lists_the_three_hook_services()
    {
        // The strict driver checks the discovery schema; CdsHooksAssert checks it again for this test's own read.
        using var response = await platform.Driver().GetDiscoveryAsync();
        using var doc = await CdsHooksAssert.ReadDiscoveryAsync(response);
        var services = doc.RootElement.GetProperty("services").EnumerateArray().ToList();
        Assert.Equal(["order-select", "order-sign", "patient-view"], services.Select(s => s.GetProperty("hook").GetString()).Order());
        Assert.All(services, s =>
        {
            Assert.False(string.IsNullOrWhiteSpace(s.GetProperty("id").GetString()));
            Assert.False(string.IsNullOrWhiteSpace(s.GetProperty("title").GetString()));
            Assert.False(string.IsNullOrWhiteSpace(s.GetProperty("description").GetString()));
            Assert.False(string.IsNullOrWhiteSpace(s.GetProperty("usageRequirements").GetString()));
            Assert.Contains("{{context.patientId}}", s.GetProperty("prefetch").GetRawText());
            // Only root-level primitive context fields are tokens (CDS Hooks 2.0 req 57); never draftOrders or
            // selections (hook library req 16, 89, 93): every token here is {{context.patientId}}.
            foreach (var template in s.GetProperty("prefetch").EnumerateObject())
            {
                Assert.All(System.Text.RegularExpressions.Regex.Matches(template.Value.GetString()!, @"\{\{[^}]*\}\}"), m => Assert.Equal("{{context.patientId}}", m.Value));
            }
        });
    }

    [Fact]
    public async Task Patient_view_travels_bus_and_store_and_returns_the_care_gap_card()
    {
        var driver = platform.Driver();
        var request = driver.BuildPatientView(SandboxPatients.Type2DiabeticHighA1c);
        var hookInstance = request["hookInstance"]!.GetValue<string>();

        using var response = await driver.SendAsync("cds-patient-view", request);
        using var doc = await CdsHooksAssert.ReadResponseAsync(response);
        var cards = doc.RootElement.GetProperty("cards").EnumerateArray().ToList();
        var gap = Assert.Single(cards, c => c.GetProperty("source").GetProperty("topic").GetProperty("code").GetString() == "CDSDMHBA1CGAP");
        Assert.Contains("10.2", gap.GetProperty("summary").GetString() + gap.GetProperty("detail").GetString());

        await using var session = platform.Store.QuerySession(PlatformFixture.Tenant);
        var events = await session.Events.FetchStreamAsync(hookInstance);
        Assert.Collection(events.Select(e => e.Data),
            e => Assert.IsType<HookReceived>(e),
            e => Assert.IsType<PrefetchResolved>(e),
            e => Assert.IsType<EnrichmentCompleted>(e),
            e => Assert.IsType<CardsReturned>(e));
        var timeline = await session.LoadAsync<HookTimeline>(hookInstance);
        Assert.NotNull(timeline);
        Assert.Equal(SandboxPatients.Type2DiabeticHighA1c, timeline.PatientId);
        Assert.Equal(CardSources.Live, timeline.CardSource);
        Assert.Equal("60", timeline.Epic?.TriggerAction);
        Assert.Contains(timeline.Cards, c => c.Uuid == gap.GetProperty("uuid").GetString());
    }

    public static TheoryData<string, string, string, string> FixturePatients => new()
    {
        { "cds-order-select", SandboxPatients.PenicillinAllergic, "amoxicillin", "CDSDRUGALLERGY" },
        { "cds-order-sign", SandboxPatients.PenicillinAllergic, "amoxicillin", "CDSDRUGALLERGY" },
        { "cds-order-select", SandboxPatients.CkdOnMetformin, "metformin", "CDSRENALDOSE" },
        { "cds-order-sign", SandboxPatients.OnLisinopril, "enalapril", "CDSDUPTHERAPY" },
    };

    [Theory]
    [MemberData(nameof(FixturePatients))]
    public async Task Order_hooks_give_the_fixture_patients_their_cards(string service, string patient, string medication, string topic)
    {
        var driver = platform.Driver();
        var drafts = new[] { DraftMedication.Parse(medication) };
        var request = service == "cds-order-select" ? driver.BuildOrderSelect(patient, drafts) : driver.BuildOrderSign(patient, drafts);

        using var response = await driver.SendAsync(service, request);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        using var doc = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        var topics = doc.RootElement.GetProperty("cards").EnumerateArray()
            .Select(c => c.GetProperty("source").GetProperty("topic").GetProperty("code").GetString()).ToList();
        Assert.Contains(topic, topics);
    }

    [Fact]
    public async Task The_patient_with_no_data_gets_no_cards()
    {
        var driver = platform.Driver();
        using var response = await driver.SendAsync("cds-order-select",
            driver.BuildOrderSelect(SandboxPatients.NoData, [DraftMedication.Parse("amoxicillin")]));
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        using var doc = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        Assert.Empty(doc.RootElement.GetProperty("cards").EnumerateArray());
    }
}
