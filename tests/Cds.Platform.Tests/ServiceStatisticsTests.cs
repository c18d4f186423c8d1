using System.Net;
using System.Text.Json;
using Cds.EpicSandbox;
using Cds.EventStore;
using JasperFx.Events.Daemon;
using Marten;
using Marten.Events;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace Cds.Platform.Tests;

/// <summary>The async per-service statistics, built by a separate daemon host as the write-back service runs it.</summary>
public sealed class ServiceStatisticsTests(PlatformFixture platform) : IClassFixture<PlatformFixture>
{
    [Fact]
    public async Task The_async_daemon_counts_hooks_cards_and_feedback_per_service()
    {
        var driver = platform.Driver();
        // The statistics count what Epic was shown: on a loaded machine a hook may answer at its deadline without
        // cards, so the expected count comes from the answers themselves.
        var critical = 0;
        for (var i = 0; i < 3; i++)
        {
            using var response = await driver.SendAsync("cds-order-sign",
                driver.BuildOrderSign(SandboxPatients.PenicillinAllergic, [DraftMedication.Parse("amoxicillin")]));
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            using var answer = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
            critical += answer.RootElement.GetProperty("cards").EnumerateArray().Count(c => c.GetProperty("indicator").GetString() == "critical");
        }
        Assert.True(critical > 0, "no hook was answered with its critical card");

        await platform.ReadCaughtUpProjectionsAsync(async session =>
        {
            var stats = await session.LoadAsync<ServiceStatistics>("cds-order-sign");
            Assert.NotNull(stats);
            Assert.True(stats.Hooks >= 3);
            Assert.Equal(stats.Hooks, stats.Answered);
            Assert.Equal(critical, stats.CardsByIndicator.GetValueOrDefault("critical"));
            Assert.True(stats.LatencyMeanMs > 0);
        });
    }
}
