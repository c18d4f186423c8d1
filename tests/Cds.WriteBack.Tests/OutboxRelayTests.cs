using System.Collections.Concurrent;
using Cds.Contracts;
using Cds.EventStore;
using Cds.EventStore.Relay;
using Cds.ServiceDefaults;
using Cds.Testing;
using JasperFx.Events.Daemon;
using Marten;
using MassTransit;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;
using Npgsql;

namespace Cds.WriteBack.Tests;

/// <summary>The outbox relay on real PostgreSQL and RabbitMQ: every must-not-lose event reaches the bus, MessageId = event id.</summary>
public sealed class OutboxRelayTests(IsolatedInfrastructure infra) : IClassFixture<IsolatedInfrastructure>
{
    [Fact]
    public async Task Every_relayed_event_is_published_with_its_event_id_as_MessageId_and_its_tenant()
    {
        var captured = new Captured();
        await using var host = await StartAsync(captured);
        var store = host.Services.GetRequiredService<IDocumentStore>();

        var expected = new Dictionary<Guid, string>();
        foreach (var tenant in new[] { "tenant-a", "tenant-b" })
        {
            for (var i = 0; i < 3; i++)
            {
                var (ids, _) = await AppendHookWithFeedbackAsync(store, tenant);
                foreach (var id in ids)
                {
                    expected[id] = tenant;
                }
            }
        }

        await captured.WaitForAsync(expected.Keys);

        foreach (var (eventId, tenant) in expected)
        {
            var messages = captured.Messages.Where(m => m.MessageId == eventId).ToList();
            Assert.NotEmpty(messages); // at least once
            Assert.All(messages, m =>
            {
                Assert.Equal(eventId, m.Message.EventId);
                Assert.Equal(tenant, m.Message.Tenant);
                Assert.Equal(tenant, m.TenantHeader);
            });
        }
        // Only must-not-lose events are relayed: the HookReceived/CardsReturned events of these streams are not.
        Assert.All(captured.Messages, m => Assert.Equal(m.MessageId, m.Message.EventId));
    }

    [Fact]
    public async Task A_failing_publish_is_retried_and_nothing_is_skipped_or_recorded_as_done_before_it_succeeds()
    {
        var captured = new Captured();
        var broker = new SimulatedOutage();
        await using var host = await StartAsync(captured, services => services.Replace(ServiceDescriptor.Singleton<IRelayPublisher>(sp =>
            new FlakyPublisher(new MassTransitRelayPublisher(sp.GetRequiredService<IBus>()), broker))));
        var store = host.Services.GetRequiredService<IDocumentStore>();

        var (ids, _) = await AppendHookWithFeedbackAsync(store, "tenant-a", feedbackItems: 2);
        await using var session = store.QuerySession("tenant-a");
        var lastSequence = (await session.Events.QueryAllRawEvents().Where(e => ids.Contains(e.Id)).ToListAsync()).Max(e => e.Sequence);

        // While the broker is "down": publishes fail and are retried, and the relay's position stays before the events.
        await Eventually.UntilAsync(() => broker.Failed >= 3, () => "the relay never tried to publish", interval: TimeSpan.FromMilliseconds(50));
        Assert.True(await ProgressAsync() < lastSequence, "progress was recorded for events that were not published");
        Assert.DoesNotContain(captured.Messages, m => ids.Contains(m.MessageId ?? Guid.Empty));

        broker.Recover();
        await captured.WaitForAsync(ids);
        Assert.All(ids, id => Assert.Contains(captured.Messages, m => m.MessageId == id));
        await WaitForProgressAsync(lastSequence);
    }

    private async Task<long> ProgressAsync()
    {
        await using var db = new NpgsqlConnection(infra.Postgres);
        await db.OpenAsync();
        await using var cmd = new NpgsqlCommand($"select coalesce(max(last_seq_id), 0) from {infra.Schema}.mt_event_progression where name like '{OutboxRelay.RelayName}%'", db);
        return Convert.ToInt64(await cmd.ExecuteScalarAsync(), System.Globalization.CultureInfo.InvariantCulture);
    }

    private async Task WaitForProgressAsync(long sequence)
    {
        long progress = 0;
        await Eventually.UntilAsync(async () => (progress = await ProgressAsync()) >= sequence, () => $"relay progress {progress} never reached {sequence}");
    }

    private static async Task<(List<Guid> FeedbackEventIds, string HookInstance)> AppendHookWithFeedbackAsync(IDocumentStore store, string tenant, int feedbackItems = 1)
    {
        var card = TestData.Card();
        var hook = Guid.NewGuid().ToString();
        await using var session = store.LightweightSession(tenant);
        session.Events.Append(hook,
            new HookReceived(tenant, hook, HookNames.OrderSign, "svc", "patient-1", null, null, TestData.At, []),
            new CardsReturned([card], 10, false, TestData.At, CardSources.Live));
        for (var i = 0; i < feedbackItems; i++)
        {
            session.Events.Append(hook, new FeedbackReceived(tenant, hook, "svc", card.Uuid, FeedbackOutcomes.Overridden, [], [], null,
                TestData.At, $"{card.Uuid}:{i}", "patient-1", null, Indicators.Critical, TestData.At));
        }
        await session.SaveChangesAsync();
        var events = await session.Events.FetchStreamAsync(hook);
        return (events.Where(e => e.Data is FeedbackReceived).Select(e => e.Id).ToList(), hook);
    }

    private sealed class RunningHost(IHost host) : IAsyncDisposable
    {
        public IServiceProvider Services => host.Services;

        public async ValueTask DisposeAsync()
        {
            await host.StopAsync();
            host.Dispose();
        }
    }

    private async Task<RunningHost> StartAsync(Captured captured, Action<IServiceCollection>? configure = null)
    {
        var builder = Host.CreateApplicationBuilder();
        builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["ConnectionStrings:Postgres"] = infra.Postgres,
            ["ConnectionStrings:RabbitMq"] = infra.RabbitMq,
            ["EventStore:Schema"] = infra.Schema,
        });
        builder.AddCdsBus("relaytest", x => x.AddConsumer<CapturingConsumer>());
        builder.Services.AddSingleton(captured);
        builder.Services.AddCdsEventStore(builder.Configuration)
            .AddCdsOutboxRelay(new OutboxRelaySettings { MinRetryDelay = TimeSpan.FromMilliseconds(50) })
            .AddAsyncDaemon(DaemonMode.HotCold);
        configure?.Invoke(builder.Services);
        var host = builder.Build();
        await host.StartAsync();
        return new RunningHost(host);
    }

    public sealed record CapturedMessage(Guid? MessageId, string? TenantHeader, FeedbackRecorded Message);

    public sealed class Captured
    {
        public ConcurrentQueue<CapturedMessage> Messages { get; } = new();

        public async Task WaitForAsync(IEnumerable<Guid> ids)
        {
            var wanted = ids.ToHashSet();
            await Eventually.UntilAsync(() => wanted.All(id => Messages.Any(m => m.MessageId == id)),
                () => $"relayed {Messages.Count} message(s), missing {wanted.Count(id => Messages.All(m => m.MessageId != id))}", TimeSpan.FromSeconds(45));
        }
    }

    public sealed class CapturingConsumer(Captured captured) : IConsumer<FeedbackRecorded>
    {
        public Task Consume(ConsumeContext<FeedbackRecorded> context)
        {
            captured.Messages.Enqueue(new CapturedMessage(context.MessageId,
                context.Headers.Get<string>(MassTransitRelayPublisher.TenantHeader), context.Message));
            return Task.CompletedTask;
        }
    }

    private sealed class SimulatedOutage
    {
        private int _failed;
        private volatile bool _down = true;

        public int Failed => Volatile.Read(ref _failed);

        public void Recover() => _down = false;

        public bool Fails()
        {
            if (!_down)
            {
                return false;
            }
            Interlocked.Increment(ref _failed);
            return true;
        }
    }

    private sealed class FlakyPublisher(IRelayPublisher inner, SimulatedOutage outage) : IRelayPublisher
    {
        public Task PublishAsync(object message, Guid messageId, string? tenant, CancellationToken ct) =>
            outage.Fails() ? Task.FromException(new InvalidOperationException("broker unavailable (simulated)")) : inner.PublishAsync(message, messageId, tenant, ct);
    }
}
