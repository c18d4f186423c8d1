using System.Net;
using EvaluateHook = Cds.Contracts.EvaluateHook;
using Cds.EpicSandbox;
using Cds.EventStore;
using Cds.Enrichment.Consumers;
using Marten;
using MassTransit;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.AspNetCore.TestHost;

namespace Cds.Platform.Tests;

/// <summary>Counts the EvaluateHook messages one enrichment instance consumed.</summary>
public sealed class EvaluateHookCounter : IConsumeObserver
{
    private int _count;

    public int Count => Volatile.Read(ref _count);

    public Task PreConsume<T>(ConsumeContext<T> context) where T : class
    {
        if (context.Message is EvaluateHook)
        {
            Interlocked.Increment(ref _count);
        }
        return Task.CompletedTask;
    }

    public Task PostConsume<T>(ConsumeContext<T> context) where T : class => Task.CompletedTask;

    public Task ConsumeFault<T>(ConsumeContext<T> context, Exception exception) where T : class => Task.CompletedTask;
}

/// <summary>The platform with a second enrichment instance on the same queue.</summary>
public sealed class TwoEnrichmentInstancesFixture : PlatformFixture
{
    public EvaluateHookCounter Second { get; } = new();
    public WebApplicationFactory<EvaluateHookConsumer> SecondEnrichment { get; private set; } = null!;

    public override async Task InitializeAsync()
    {
        await base.InitializeAsync();
        SecondEnrichment = Enrichment.WithWebHostBuilder(b => b.ConfigureTestServices(s => s.AddConsumeObserver(_ => Second)));
        _ = SecondEnrichment.Server;
    }

    public override async Task DisposeAsync()
    {
        await SecondEnrichment.DisposeAsync();
        await base.DisposeAsync();
    }
}

public sealed class CompetingConsumersTests(TwoEnrichmentInstancesFixture platform) : IClassFixture<TwoEnrichmentInstancesFixture>
{
    [Fact]
    public async Task Two_enrichment_instances_split_the_work_and_lose_nothing()
    {
        const int hooks = 24;
        var driver = platform.Driver();
        var requests = Enumerable.Range(0, hooks).Select(i => driver.BuildOrderSelect(
            i % 2 == 0 ? SandboxPatients.PenicillinAllergic : SandboxPatients.CkdOnMetformin,
            [DraftMedication.Parse(i % 2 == 0 ? "amoxicillin" : "metformin")])).ToList();

        var responses = await Task.WhenAll(requests.Select(async r =>
        {
            using var response = await driver.SendAsync("cds-order-select", r);
            return response.StatusCode;
        }));
        Assert.All(responses, s => Assert.Equal(HttpStatusCode.OK, s));

        await using var session = platform.Store.QuerySession(PlatformFixture.Tenant);
        foreach (var request in requests)
        {
            var timeline = await session.LoadAsync<HookTimeline>(request["hookInstance"]!.GetValue<string>());
            Assert.NotNull(timeline);
            Assert.Equal(CardSources.Live, timeline.CardSource);
            Assert.NotEmpty(timeline.Cards);
        }
        // Every hook was evaluated once; the second instance took a share, the first the rest.
        Assert.InRange(platform.Second.Count, 1, hooks - 1);
    }
}
