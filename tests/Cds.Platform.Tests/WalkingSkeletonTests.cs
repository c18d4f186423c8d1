using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Cds.EventStore;
using Marten;

namespace Cds.Platform.Tests;

/// <summary>One hook through every layer: HTTP → RabbitMQ → enrichment consumer → Marten → cards back.</summary>
public sealed class WalkingSkeletonTests(PlatformFixture platform) : IClassFixture<PlatformFixture>
{
    [Fact]
    public async Task Discovery_lists_the_three_hook_services()
    {
        using var client = platform.Hooks.CreateClient();
        using var doc = JsonDocument.Parse(await client.GetStringAsync("/cds-services"));
        var services = doc.RootElement.GetProperty("services").EnumerateArray().ToList();
        Assert.Equal(["order-select", "order-sign", "patient-view"], services.Select(s => s.GetProperty("hook").GetString()).Order());
        Assert.All(services, s =>
        {
            Assert.False(string.IsNullOrWhiteSpace(s.GetProperty("id").GetString()));
            Assert.False(string.IsNullOrWhiteSpace(s.GetProperty("title").GetString()));
            Assert.False(string.IsNullOrWhiteSpace(s.GetProperty("description").GetString()));
            Assert.Contains("{{context.patientId}}", s.GetProperty("prefetch").GetRawText());
        });
    }

    [Fact]
    public async Task Patient_view_travels_bus_and_store_and_is_recorded()
    {
        var hookInstance = Guid.NewGuid().ToString();
        using var client = platform.Hooks.CreateClient();
        var response = await client.PostAsJsonAsync("/cds-services/cds-patient-view", new
        {
            hook = "patient-view",
            hookInstance,
            fhirServer = "http://127.0.0.1:1/fhir",
            context = new { userId = "Practitioner/p1", patientId = "skeleton-patient" },
        });
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        using var doc = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        Assert.Equal(JsonValueKind.Array, doc.RootElement.GetProperty("cards").ValueKind);

        await using var session = platform.Store.QuerySession(PlatformFixture.Tenant);
        var events = await session.Events.FetchStreamAsync(hookInstance);
        Assert.Collection(events.Select(e => e.Data),
            e => Assert.IsType<HookReceived>(e),
            e => Assert.IsType<EnrichmentCompleted>(e),
            e => Assert.IsType<CardsReturned>(e));
        var timeline = await session.LoadAsync<HookTimeline>(hookInstance);
        Assert.NotNull(timeline);
        Assert.Equal("skeleton-patient", timeline.PatientId);
        Assert.Equal(CardSources.Live, timeline.CardSource);
    }
}
