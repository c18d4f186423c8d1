using System.Diagnostics;
using System.Text.Json;
using Cds.Benchmarks.Harness;
using Cds.Contracts;
using Cds.ServiceDefaults;
using MassTransit;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using RabbitMQ.Client;
using RabbitMQ.Client.Events;

namespace Cds.Benchmarks.Scenarios;

/// <summary>
/// B2: MassTransit publish → consume (the platform's <c>AddCdsBus</c>: durable queue, publisher confirms, prefetch 32,
/// retry filter) against RabbitMQ.Client 7 with confirms and an async consumer, same payload, durable queue, same prefetch.
/// Throughput = messages consumed ÷ time from the first publish to the last consume, a fixed count per repetition,
/// 16 concurrent publishers on both sides.
/// </summary>
public sealed class B2BusScenario : IScenario
{
    public const int Publishers = 16;
    public const ushort Prefetch = 32;
    public string Id => "B2";
    public string Title => "MassTransit publish → consume vs RabbitMQ.Client 7";

    public async Task RunAsync(BenchContext context, ScenarioResult result, CancellationToken ct)
    {
        await using var infra = AsyncDisposer.Of(await BenchContext.IsolatedAsync());
        var count = context.Smoke ? 400 : 4000;

        // ---- ours: the platform's bus registration
        var builder = Host.CreateApplicationBuilder();
        builder.Logging.SetMinimumLevel(LogLevel.Warning);
        builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["ConnectionStrings:RabbitMq"] = infra.Value.RabbitMq,
            ["Bus:PrefetchCount"] = Prefetch.ToString(System.Globalization.CultureInfo.InvariantCulture),
        });
        var counter = new Counter();
        builder.Services.AddSingleton(counter);
        builder.AddCdsBus("bench", x => x.AddConsumer<BusBenchConsumer>());
        using var host = builder.Build();
        await host.StartAsync(ct);
        var bus = host.Services.GetRequiredService<IBus>();

        // ---- raw: RabbitMQ.Client 7, confirms with tracking, async consumer, durable queue bound to a fanout exchange
        var factory = new ConnectionFactory { Uri = new Uri(infra.Value.RabbitMq), ConsumerDispatchConcurrency = Prefetch };
        await using var connection = await factory.CreateConnectionAsync("bench-b2-raw", ct);
        await using var publishChannel = await connection.CreateChannelAsync(
            new CreateChannelOptions(publisherConfirmationsEnabled: true, publisherConfirmationTrackingEnabled: true), ct);
        await using var consumeChannel = await connection.CreateChannelAsync(cancellationToken: ct);
        const string exchange = "bench-raw";
        const string queue = "bench-raw";
        await publishChannel.ExchangeDeclareAsync(exchange, ExchangeType.Fanout, durable: true, autoDelete: false, cancellationToken: ct);
        await publishChannel.QueueDeclareAsync(queue, durable: true, exclusive: false, autoDelete: false, cancellationToken: ct);
        await publishChannel.QueueBindAsync(queue, exchange, "", cancellationToken: ct);
        await consumeChannel.BasicQosAsync(0, Prefetch, false, ct);
        var rawCounter = new Counter();
        var consumer = new AsyncEventingBasicConsumer(consumeChannel);
        consumer.ReceivedAsync += async (_, delivery) =>
        {
            // Same work as the MassTransit consumer: deserialize the message, count it, acknowledge.
            var message = JsonSerializer.Deserialize<EvaluateHook>(delivery.Body.Span, JsonSerializerOptions.Web);
            rawCounter.Hit(message!.HookInstance.Length > 0);
            await consumeChannel.BasicAckAsync(delivery.DeliveryTag, false);
        };
        await consumeChannel.BasicConsumeAsync(queue, autoAck: false, consumer, ct);
        var props = new BasicProperties { Persistent = true, ContentType = "application/json" };

        var messages = Enumerable.Range(0, count).Select(Payloads.EvaluateHook).ToArray();

        async Task<double> Ours()
        {
            counter.Reset(count);
            var sw = Stopwatch.StartNew();
            await Parallel(count, i => bus.Publish(messages[i], ct));
            await counter.WaitAsync(ct);
            return count / sw.Elapsed.TotalSeconds;
        }

        async Task<double> Raw()
        {
            rawCounter.Reset(count);
            var sw = Stopwatch.StartNew();
            await Parallel(count, async i =>
            {
                var body = JsonSerializer.SerializeToUtf8Bytes(messages[i], JsonSerializerOptions.Web);
                await publishChannel.BasicPublishAsync(exchange, "", false, props, body, ct);
            });
            await rawCounter.WaitAsync(ct);
            return count / sw.Elapsed.TotalSeconds;
        }

        var (ours, raw) = await Interleave.RunAsync(context.Repetitions, Ours, Raw);
        result.Comparisons.Add(Comparison.From(Id, "publish→consume throughput, durable, confirms", "msg/s",
            "MassTransit 8.5 (AddCdsBus)", "RabbitMQ.Client 7", ours, raw, Better.Higher, 0.5,
            "MassTransit's per-message pipeline (envelope serialization, send/consume filters, retry filter, scoped consumer) — CPU on 2 shared cores; the broker is the same"));
        result.Notes.Add($"{count} messages per repetition, {Publishers} concurrent publishers, prefetch {Prefetch}; the raw consumer deserializes the same JSON and acks.");

        await host.StopAsync(CancellationToken.None);
    }

    private static Task Parallel(int count, Func<int, Task> publish)
    {
        var next = -1;
        return Task.WhenAll(Enumerable.Range(0, Publishers).Select(_ => Task.Run(async () =>
        {
            int i;
            while ((i = Interlocked.Increment(ref next)) < count)
            {
                await publish(i);
            }
        })));
    }

    public sealed class Counter
    {
        private int _target;
        private int _seen;
        private TaskCompletionSource _done = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public void Reset(int target)
        {
            _seen = 0;
            _target = target;
            _done = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        }

        public void Hit(bool ok)
        {
            if (ok && Interlocked.Increment(ref _seen) == _target)
            {
                _done.TrySetResult();
            }
        }

        public Task WaitAsync(CancellationToken ct) => _done.Task.WaitAsync(TimeSpan.FromSeconds(60), ct);
    }
}

public sealed class BusBenchConsumer(B2BusScenario.Counter counter) : IConsumer<EvaluateHook>
{
    public Task Consume(ConsumeContext<EvaluateHook> context)
    {
        counter.Hit(context.Message.HookInstance.Length > 0);
        return Task.CompletedTask;
    }
}
