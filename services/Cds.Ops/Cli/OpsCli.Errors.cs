using System.CommandLine;
using Cds.Ops.Rabbit;
using Cds.ServiceDefaults;

namespace Cds.Ops.Cli;

/// <summary><c>errors list|show|redeliver|purge</c>: inspect and repair the _error queues.</summary>
public sealed partial class OpsCli
{
    private Command ErrorsCommand()
    {
        var errors = new Command("errors", "inspect and repair the _error queues (MassTransit moves a message there after its retries)");

        var list = new Command("list", "every _error queue with its message count and its source queue");
        list.SetAction((p, ct) => Guard(async () =>
        {
            var (configuration, vhost) = Context(p);
            using var management = ManagementClient.FromConfiguration(configuration);
            var queues = await management.ListQueuesAsync(vhost, ct);
            var byName = queues.ToDictionary(q => q.Name, StringComparer.Ordinal);
            var errorQueues = queues.Where(q => q.IsErrorQueue).ToList();
            output.WriteLine($"virtual host '{vhost}': {errorQueues.Count} error queue(s), {errorQueues.Sum(q => q.Messages)} message(s)");
            output.WriteLine($"{"ERROR QUEUE",-52} {"MESSAGES",8}  SOURCE QUEUE (consumers)");
            foreach (var q in errorQueues)
            {
                var source = byName.TryGetValue(q.SourceQueue!, out var s) ? $"{s.Name} ({s.Consumers})" : $"{q.SourceQueue} (missing)";
                output.WriteLine($"{q.Name,-52} {q.Messages,8}  {source}");
            }
            return Ok;
        }));

        var queueArg = new Argument<string>("queue") { Description = "the error queue, or its source queue (X or X_error)" };
        var count = new Option<int>("--count") { Description = "how many messages to show", DefaultValueFactory = _ => 5 };
        var body = new Option<bool>("--body") { Description = "also print message bodies (they can hold patient identifiers)" };
        var show = new Command("show", "peek at messages in an error queue (left in place): fault reason, exception, message type") { queueArg, count, body };
        show.SetAction((p, ct) => Guard(async () =>
        {
            var (configuration, vhost) = Context(p);
            var queue = ErrorQueueMover.ErrorQueueName(p.GetRequiredValue(queueArg));
            using var management = ManagementClient.FromConfiguration(configuration);
            var info = await management.GetQueueAsync(vhost, queue, ct);
            if (info is null)
            {
                error.WriteLine($"queue '{queue}' does not exist in virtual host '{vhost}'");
                return Failed;
            }
            var messages = await management.PeekAsync(vhost, queue, Math.Max(1, p.GetValue(count)), ct: ct);
            output.WriteLine($"{queue}: {info.Messages} message(s); showing {messages.Count}");
            foreach (var m in messages)
            {
                output.WriteLine();
                output.WriteLine($"#{m.Index}  message id {m.Properties.GetValueOrDefault("message_id", "-")}  {m.PayloadBytes} bytes{(m.Redelivered ? "  (redelivered)" : "")}");
                foreach (var key in new[] { "MT-Reason", "MT-Fault-ExceptionType", "MT-Fault-Message", "MT-Fault-ConsumerType", "MT-Fault-Timestamp", "MT-Fault-MessageType", "MT-Host-MachineName", "MT-Redelivery-Count" })
                {
                    if (m.Headers.TryGetValue(key, out var value))
                    {
                        output.WriteLine($"    {key,-24} {OneLine(value)}");
                    }
                }
                if (m.Headers.TryGetValue("MT-Fault-StackTrace", out var stack))
                {
                    output.WriteLine($"    {"MT-Fault-StackTrace",-24} {OneLine(stack.Split('\n')[0])} …");
                }
                if (p.GetValue(body))
                {
                    output.WriteLine("    body:");
                    output.WriteLine("    " + m.Payload.Replace("\n", "\n    ", StringComparison.Ordinal));
                }
            }
            return Ok;
        }));

        var max = new Option<int?>("--max") { Description = "move at most N messages (default: every message present when the move starts)" };
        var keepHeaders = new Option<bool>("--keep-fault-headers") { Description = "keep MassTransit's MT-Fault-* headers on the redelivered messages" };
        var redeliverArg = new Argument<string>("queue") { Description = "the error queue, or its source queue (X or X_error)" };
        var redeliver = new Command("redeliver", "move messages from X_error back to X, one at a time (confirmed publish, then ack): none is lost")
        {
            redeliverArg, max, keepHeaders,
        };
        redeliver.SetAction((p, ct) => Guard(async () =>
        {
            var (configuration, vhost) = Context(p);
            var mover = ErrorQueueMover.FromUri(BusExtensions.RabbitMqUri(configuration));
            var result = await mover.RedeliverAsync(vhost, p.GetRequiredValue(redeliverArg), p.GetValue(max), !p.GetValue(keepHeaders),
                (n, id) => output.WriteLine($"  moved #{n} (message id {id ?? "-"})"), ct);
            output.WriteLine($"{result.Moved} message(s) moved from {result.ErrorQueue} to {result.TargetQueue}: {result.StoppedBecause}");
            return result.Interrupted ? Failed : Ok;
        }));

        var purgeArg = new Argument<string>("queue") { Description = "the error queue, or its source queue (X or X_error)" };
        var yes = new Option<bool>("--yes", "-y") { Description = "do not ask for confirmation" };
        var purge = new Command("purge", "delete every message in an error queue (asks first)") { purgeArg, yes };
        purge.SetAction((p, ct) => Guard(async () =>
        {
            var (configuration, vhost) = Context(p);
            var queue = ErrorQueueMover.ErrorQueueName(p.GetRequiredValue(purgeArg));
            using var management = ManagementClient.FromConfiguration(configuration);
            var info = await management.GetQueueAsync(vhost, queue, ct);
            if (info is null)
            {
                error.WriteLine($"queue '{queue}' does not exist in virtual host '{vhost}'");
                return Failed;
            }
            if (!p.GetValue(yes))
            {
                output.Write($"Purge {info.Messages} message(s) from '{queue}' in virtual host '{vhost}'? They cannot be recovered. Type 'yes' to confirm: ");
                output.Flush();
                var answer = input.ReadLine();
                if (!string.Equals(answer?.Trim(), "yes", StringComparison.OrdinalIgnoreCase))
                {
                    output.WriteLine();
                    output.WriteLine("not purged");
                    return Failed;
                }
            }
            await management.PurgeAsync(vhost, queue, ct);
            output.WriteLine($"purged {info.Messages} message(s) from {queue}");
            return Ok;
        }));

        errors.Subcommands.Add(list);
        errors.Subcommands.Add(show);
        errors.Subcommands.Add(redeliver);
        errors.Subcommands.Add(purge);
        return errors;
    }

    private static string OneLine(string value) => value.ReplaceLineEndings(" ");
}
