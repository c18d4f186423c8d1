using System.Net;
using EvaluateHook = Cds.Contracts.EvaluateHook;
using Cds.EpicSandbox;
using Cds.EventStore;
using Cds.Enrichment.Consumers;
using Marten;
using MassTransit;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

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

    /// <summary>What the hosts logged (a failure quotes the warnings and errors).</summary>
    public CapturedLogs Logs { get; } = new();

    protected override void ConfigureTestServices(IServiceCollection services) => services.AddSingleton<ILoggerProvider>(Logs);
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
            // A refusal quotes its OperationOutcome (which names the problem), so a rare one can be diagnosed.
            return (response.StatusCode, Body: response.IsSuccessStatusCode ? "" : await response.Content.ReadAsStringAsync());
        }));
        Assert.All(responses, r => Assert.True(r.StatusCode == HttpStatusCode.OK, $"{(int)r.StatusCode}: {r.Body}"));

        // Every hook's evaluation is recorded exactly once, by one of the two instances. Normally in time (live cards);
        // on a starved machine a hook may reach its deadline first, and then its result is recorded late: not lost.
        var instances = requests.Select(r => r["hookInstance"]!.GetValue<string>()).ToList();
        var timelines = await AllRecordedAsync(instances);
        foreach (var (instance, timeline) in timelines)
        {
            Assert.NotEmpty(timeline.Findings);
            if (timeline.CardSource == CardSources.Live)
            {
                Assert.NotEmpty(timeline.Cards);
            }
            else
            {
                Assert.True(timeline.DeadlineMissed, $"{instance}: answered {timeline.CardSource} without missing its deadline");
            }
            await using var events = platform.Store.QuerySession(PlatformFixture.Tenant);
            Assert.Single(await events.Events.FetchStreamAsync(instance), e => e.Data is EnrichmentCompleted);
        }
        // Every hook was evaluated once; the second instance took a share, the first the rest.
        Assert.InRange(platform.Second.Count, 1, hooks - 1);
    }

    /// <summary>Waits until every hook has both its evaluation and its answer recorded; fails naming what is missing.</summary>
    private async Task<Dictionary<string, HookTimeline>> AllRecordedAsync(IReadOnlyList<string> instances)
    {
        var found = new Dictionary<string, HookTimeline>();
        bool Recorded(string i) => found.GetValueOrDefault(i) is { EnrichedAt: not null, CardSource: not null };
        return await Eventually.WaitForAsync(async () =>
        {
            await using var query = platform.Store.QuerySession(PlatformFixture.Tenant);
            found = [];
            foreach (var instance in instances)
            {
                if (await query.LoadAsync<HookTimeline>(instance) is { } t)
                {
                    found[instance] = t;
                }
            }
            return instances.All(Recorded) ? found : null;
        }, async () =>
        {
            var missing = instances.Where(i => !Recorded(i)).ToList();
            var depths = await platform.Infra.QueueDepthsAsync();
            return $"{missing.Count} of {instances.Count} hooks not fully recorded; queues: " +
                string.Join(", ", depths.Select(d => $"{d.Key}={d.Value}")) + "; " + string.Join(" || ", missing.Select(i =>
                    found.GetValueOrDefault(i) is { } t
                        ? $"{i}: enriched {t.EnrichedAt?.ToString("O") ?? "no"}, answer {t.CardSource ?? "not recorded"}, entries " +
                          string.Join(" | ", t.Entries.Select(e => $"{e.What}: {e.Detail}"))
                        : $"{i}: no timeline")) + "\nwarnings and errors logged (count × first of each kind):\n" + string.Join("\n",
                platform.Logs.Lines.Where(l => l.StartsWith("Warning", StringComparison.Ordinal) || l.StartsWith("Error", StringComparison.Ordinal))
                    .GroupBy(Kind).Select(g => $"{g.Count()} × {(g.First().Length > 1500 ? g.First()[..1500] : g.First())}"));
        });
    }

    /// <summary>A log line's kind: its level, category and message template (the values and exception left out).</summary>
    private static string Kind(string line)
    {
        var at = line.IndexOf("{OriginalFormat}=", StringComparison.Ordinal);
        var template = at < 0 ? "" : line[at..Math.Min(line.Length, at + 120)];
        return line[..Math.Max(0, line.IndexOf(':', StringComparison.Ordinal))] + template;
    }
}
