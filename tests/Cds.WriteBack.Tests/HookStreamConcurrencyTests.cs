using Cds.Contracts;
using Cds.EpicSandbox;
using Cds.EventStore;
using Marten;
using Cds.Tenants;

namespace Cds.WriteBack.Tests;

/// <summary>Services append to one hook stream at the same moment; the inline timeline must keep every event.</summary>
[Collection("write-back flow")]
public sealed class HookStreamConcurrencyTests(WriteBackFixture fx) : IClassFixture<WriteBackFixture>
{
    [Fact]
    public async Task Concurrent_appends_to_one_hook_stream_all_reach_the_timeline()
    {
        var card = TestData.Card(Indicators.Critical);
        var hook = await fx.SeedHookAsync(card);
        const int writers = 12;
        using var start = new SemaphoreSlim(0, writers);

        var tasks = Enumerable.Range(0, writers).Select(async i =>
        {
            await using var session = fx.Store.LightweightSession(WriteBackFixture.Tenant);
            await start.WaitAsync();
            await HookStreams.AppendAsync(session, hook, CancellationToken.None, new WriteBackRequested("urn:test", $"note-{i}", card.Uuid,
                FeedbackOutcomes.Overridden, nameof(WriteBackTrigger.OverrideOfCritical), "11506-3", Guid.NewGuid(), TestData.At));
            await session.SaveChangesAsync();
        }).ToList();
        start.Release(writers);
        await Task.WhenAll(tasks);

        await using var query = fx.Store.QuerySession(WriteBackFixture.Tenant);
        var events = await query.Events.FetchStreamAsync(hook);
        Assert.Equal(writers, events.Count(e => e.Data is WriteBackRequested));
        var timeline = await query.LoadAsync<HookTimeline>(hook);
        Assert.Equal(writers, timeline!.Notes.Count);
    }

    [Fact]
    public async Task An_append_to_a_stream_that_was_never_started_starts_it()
    {
        var hook = Guid.NewGuid().ToString();
        await using (var session = fx.Store.LightweightSession(WriteBackFixture.Tenant))
        {
            await HookStreams.AppendAsync(session, hook, CancellationToken.None,
                new EnrichmentCompleted(hook, SandboxPatients.PenicillinAllergic, [], [], ["r@1"], TestData.At, false));
            await session.SaveChangesAsync();
        }
        await using var query = fx.Store.QuerySession(WriteBackFixture.Tenant);
        Assert.Single(await query.Events.FetchStreamAsync(hook));
    }
}
