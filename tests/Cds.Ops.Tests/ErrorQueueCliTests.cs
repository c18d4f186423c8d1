using System.Collections.Concurrent;
using Cds.Ops.Rabbit;
using Cds.ServiceDefaults;
using Cds.Testing;
using MassTransit;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using RabbitMQ.Client;

namespace Cds.Ops.Tests;

public sealed record OpsProbe(string Id);

/// <summary>Fails every probe whose id is in <see cref="Failing"/>; records the ones it processed.</summary>
public sealed class ProbeState
{
    public ConcurrentDictionary<string, bool> Failing { get; } = new();
    public ConcurrentQueue<string> Processed { get; } = new();
}

public sealed class OpsProbeConsumer(ProbeState state) : IConsumer<OpsProbe>
{
    public Task Consume(ConsumeContext<OpsProbe> context)
    {
        if (state.Failing.ContainsKey(context.Message.Id))
        {
            throw new InvalidOperationException($"probe {context.Message.Id} refused on purpose");
        }
        state.Processed.Enqueue(context.Message.Id);
        return Task.CompletedTask;
    }
}

/// <summary>
/// The error-queue commands against a real broker: a real MassTransit consumer (AddCdsBus) fails a message into its
/// <c>_error</c> queue; the CLI lists it, shows its fault, redelivers it and the consumer processes it; purge asks first.
/// </summary>
public sealed class ErrorQueueCliTests : IAsyncLifetime
{
    private const string Queue = "opstest-ops-probe";
    private const string ErrorQueue = Queue + "_error";
    private readonly IsolatedInfrastructure _infra = new();
    private readonly ProbeState _state = new();
    private IHost _host = null!;

    public async Task InitializeAsync()
    {
        await _infra.InitializeAsync();
        var builder = Host.CreateApplicationBuilder();
        builder.Configuration["ConnectionStrings:RabbitMq"] = _infra.RabbitMq;
        builder.Configuration["Bus:RetryLimit"] = "1";
        builder.Configuration["Bus:RetryMinInterval"] = "00:00:00.050";
        builder.Configuration["Bus:RetryMaxInterval"] = "00:00:00.100";
        builder.Services.AddSingleton(_state);
        builder.AddCdsBus("opstest", x => x.AddConsumer<OpsProbeConsumer>());
        _host = builder.Build();
        await _host.StartAsync();
    }

    public async Task DisposeAsync()
    {
        await _host.StopAsync();
        _host.Dispose();
        await _infra.DisposeAsync();
    }

    private Dictionary<string, string?> Settings => new()
    {
        ["ConnectionStrings:RabbitMq"] = _infra.RabbitMq,
        ["ConnectionStrings:RabbitMqManagement"] = _infra.Endpoints.RabbitMqManagement.ToString(),
    };

    private async Task FailIntoErrorQueueAsync(params string[] ids)
    {
        foreach (var id in ids)
        {
            _state.Failing[id] = true;
        }
        var bus = _host.Services.GetRequiredService<IBus>();
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        foreach (var id in ids)
        {
            await bus.Publish(new OpsProbe(id), cts.Token);
        }
        await using var connection = await Amqp.ConnectAsync(_infra.RabbitMq);
        await Eventually.UntilAsync(async () => await Amqp.CountOrZeroAsync(connection, ErrorQueue) >= ids.Length,
            () => $"the failing probes did not reach {ErrorQueue}");
    }

    [Fact]
    public async Task A_message_forced_into_error_is_listed_shown_redelivered_and_processed()
    {
        var id = Guid.NewGuid().ToString("N");
        await FailIntoErrorQueueAsync(id);

        // The management API's statistics lag behind the broker: wait until both queues' lines have settled.
        var queues = await Cli.EventuallyAsync(Settings, r => r.Output.Contains(ErrorQueue, StringComparison.Ordinal)
            && Line(r.Output, ErrorQueue).Contains(" 1 ", StringComparison.Ordinal)
            && System.Text.RegularExpressions.Regex.IsMatch(r.Output, @"opstest-ops-probe\s+0\s+0\s+1\s"), "queues");
        Assert.Equal(0, queues.ExitCode);
        Assert.Contains("<-- errors", Line(queues.Output, ErrorQueue), StringComparison.Ordinal);
        Assert.Matches(@"opstest-ops-probe\s+0\s+0\s+1\s", queues.Output); // the consumer is attached

        var list = await Cli.EventuallyAsync(Settings, r => Line(r.Output, ErrorQueue).Contains(" 1 ", StringComparison.Ordinal), "errors", "list");
        Assert.Equal(0, list.ExitCode);
        Assert.Matches($@"{ErrorQueue}\s+1\s+{Queue} \(1\)", list.Output);

        var show = await Cli.RunAsync(Settings, "errors", "show", Queue);
        Assert.Equal(0, show.ExitCode);
        Assert.Contains("MT-Fault-Message", show.Output, StringComparison.Ordinal);
        // Faults carry the exception's types (and SQL state), never its message or data: those can quote patient data.
        Assert.Contains("Consumer failed: InvalidOperationException", show.Output, StringComparison.Ordinal);
        Assert.DoesNotContain("refused on purpose", show.Output, StringComparison.Ordinal);
        Assert.DoesNotContain("body:", show.Output, StringComparison.Ordinal); // bodies only on request

        await using var connection = await Amqp.ConnectAsync(_infra.RabbitMq);
        Assert.Equal(1u, await Amqp.CountAsync(connection, ErrorQueue)); // show peeked, it did not consume

        _state.Failing.TryRemove(id, out _); // the "fix" is deployed
        var redeliver = await Cli.RunAsync(Settings, "errors", "redeliver", ErrorQueue);
        Assert.True(redeliver.ExitCode == 0, redeliver.ToString());
        Assert.Contains($"1 message(s) moved from {ErrorQueue} to {Queue}", redeliver.Output, StringComparison.Ordinal);

        await Eventually.UntilAsync(() => _state.Processed.Contains(id), () => "the redelivered message was not processed by the consumer");
        Assert.Equal(0u, await Amqp.CountAsync(connection, ErrorQueue));
    }

    [Fact]
    public async Task Redeliver_moves_raw_messages_with_confirms_strips_fault_headers_and_respects_max()
    {
        await using var connection = await Amqp.ConnectAsync(_infra.RabbitMq);
        await Amqp.DeclareAsync(connection, "raw-target", "raw-target_error");
        for (var i = 0; i < 3; i++)
        {
            await Amqp.PublishAsync(connection, "raw-target_error", $"{{\"n\":{i}}}", $"m{i}",
                new Dictionary<string, object?> { ["MT-Fault-Message"] = "boom", ["MT-Reason"] = "fault", ["keep-me"] = "yes" });
        }

        var first = await Cli.RunAsync(Settings, "errors", "redeliver", "raw-target", "--max", "2");
        Assert.True(first.ExitCode == 0, first.ToString());
        Assert.Equal(1u, await Amqp.CountAsync(connection, "raw-target_error"));
        Assert.Equal(2u, await Amqp.CountAsync(connection, "raw-target"));

        await using var channel = await connection.CreateChannelAsync();
        var moved = await channel.BasicGetAsync("raw-target", autoAck: true);
        Assert.NotNull(moved);
        Assert.Equal("m0", moved.BasicProperties.MessageId);
        Assert.Equal("{\"n\":0}", System.Text.Encoding.UTF8.GetString(moved.Body.Span));
        var headers = moved.BasicProperties.Headers!;
        Assert.False(headers.ContainsKey("MT-Fault-Message"));
        Assert.False(headers.ContainsKey("MT-Reason"));
        Assert.True(headers.ContainsKey("keep-me"));

        var rest = await Cli.RunAsync(Settings, "errors", "redeliver", "raw-target_error", "--keep-fault-headers");
        Assert.True(rest.ExitCode == 0, rest.ToString());
        Assert.Equal(0u, await Amqp.CountAsync(connection, "raw-target_error"));
        Assert.Equal(2u, await Amqp.CountAsync(connection, "raw-target"));
    }

    [Fact]
    public async Task Redeliver_refuses_when_the_source_queue_does_not_exist_and_keeps_the_message()
    {
        await using var connection = await Amqp.ConnectAsync(_infra.RabbitMq);
        await Amqp.DeclareAsync(connection, "orphan_error");
        await Amqp.PublishAsync(connection, "orphan_error", "{}", "o1");

        var result = await Cli.RunAsync(Settings, "errors", "redeliver", "orphan");
        Assert.Equal(OpsCli_Error, result.ExitCode);
        Assert.Contains("'orphan' does not exist", result.Error, StringComparison.Ordinal);
        Assert.Equal(1u, await Amqp.CountAsync(connection, "orphan_error"));
    }

    [Fact]
    public async Task Purge_asks_for_confirmation_and_only_purges_on_yes()
    {
        await using var connection = await Amqp.ConnectAsync(_infra.RabbitMq);
        await Amqp.DeclareAsync(connection, "purge-me", "purge-me_error");
        await Amqp.PublishAsync(connection, "purge-me_error", "{}", "p1");
        await Amqp.PublishAsync(connection, "purge-me_error", "{}", "p2");
        await Cli.EventuallyAsync(Settings, r => Line(r.Output, "purge-me_error").Contains(" 2 ", StringComparison.Ordinal), "errors", "list");

        var refused = await Cli.RunWithInputAsync(Settings, "no\n", "errors", "purge", "purge-me");
        Assert.Equal(1, refused.ExitCode);
        Assert.Contains("Purge 2 message(s) from 'purge-me_error'", refused.Output, StringComparison.Ordinal);
        Assert.Contains("not purged", refused.Output, StringComparison.Ordinal);
        Assert.Equal(2u, await Amqp.CountAsync(connection, "purge-me_error"));

        var confirmed = await Cli.RunWithInputAsync(Settings, "yes\n", "errors", "purge", "purge-me_error");
        Assert.True(confirmed.ExitCode == 0, confirmed.ToString());
        Assert.Contains("purged 2 message(s) from purge-me_error", confirmed.Output, StringComparison.Ordinal);
        Assert.Equal(0u, await Amqp.CountAsync(connection, "purge-me_error"));

        await Amqp.PublishAsync(connection, "purge-me_error", "{}", "p3");
        var skipped = await Cli.RunWithInputAsync(Settings, "", "errors", "purge", "purge-me", "--yes");
        Assert.True(skipped.ExitCode == 0, skipped.ToString());
        Assert.DoesNotContain("Type 'yes'", skipped.Output, StringComparison.Ordinal);
        Assert.Equal(0u, await Amqp.CountAsync(connection, "purge-me_error"));
        Assert.Equal(0u, await Amqp.CountAsync(connection, "purge-me")); // the source queue is never touched
    }

    [Fact]
    public async Task Unreachable_management_api_is_one_clear_error_line()
    {
        var settings = new Dictionary<string, string?>(Settings) { ["ConnectionStrings:RabbitMqManagement"] = "http://cds:cds@127.0.0.1:1/" };
        var result = await Cli.RunAsync(settings, "queues");
        Assert.Equal(2, result.ExitCode);
        Assert.StartsWith("error: ", result.Error, StringComparison.Ordinal);
        Assert.DoesNotContain("   at ", result.Error, StringComparison.Ordinal);
    }

    private const int OpsCli_Error = Cds.Ops.Cli.OpsCli.Error;

    private static string Line(string output, string startsWith) =>
        output.Split('\n').FirstOrDefault(l => l.StartsWith(startsWith + " ", StringComparison.Ordinal)) ?? "";
}
