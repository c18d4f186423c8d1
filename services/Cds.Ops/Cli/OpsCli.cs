using System.CommandLine;
using System.Globalization;
using Cds.Ops.Rabbit;
using Cds.Ops.Tenants;
using Cds.Ops.Timeline;
using Cds.ServiceDefaults;
using Microsoft.Extensions.Configuration;

namespace Cds.Ops.Cli;

/// <summary>
/// The ops command line: <c>queues</c>, <c>errors list|show|redeliver|purge</c>, <c>timeline</c>, <c>tenants check</c>
/// and <c>serve</c>. Output goes to <paramref name="output"/>, confirmations are read from <paramref name="input"/>, so
/// tests run it in-process.
/// </summary>
public sealed partial class OpsCli(TextWriter output, TextWriter error, TextReader input, Func<string?, IConfiguration> configure)
{
    public const int Ok = 0;
    /// <summary>A check failed, or what was asked for does not exist.</summary>
    public const int Failed = 1;
    /// <summary>Usage, configuration or infrastructure error.</summary>
    public const int Error = 2;

    private readonly Option<string?> _config = new("--config")
    {
        Description = "extra JSON configuration file (e.g. infra/local/tenants.sandbox.json)",
        Recursive = true,
    };

    private readonly Option<string?> _vhost = new("--vhost")
    {
        Description = "RabbitMQ virtual host (default: Ops:VirtualHost, else the one in ConnectionStrings:RabbitMq)",
        Recursive = true,
    };

    /// <summary>Runs one command line; the exit code.</summary>
    public static Task<int> RunAsync(string[] args, IConfiguration? overrides = null, TextWriter? output = null, TextWriter? error = null,
        TextReader? input = null, Func<CancellationToken, Task<int>>? serve = null, CancellationToken ct = default)
    {
        var cli = new OpsCli(output ?? Console.Out, error ?? Console.Error, input ?? Console.In, file => OpsConfiguration.Build(file, overrides));
        return cli.Build(serve).Parse(args).InvokeAsync(new InvocationConfiguration { Output = output ?? Console.Out, Error = error ?? Console.Error }, ct);
    }

    public RootCommand Build(Func<CancellationToken, Task<int>>? serve = null)
    {
        var root = new RootCommand("CDS platform operations: RabbitMQ queues and error queues, hook timelines, tenant checks, dashboard.");
        root.Options.Add(_config);
        root.Options.Add(_vhost);
        root.Subcommands.Add(QueuesCommand());
        root.Subcommands.Add(ErrorsCommand());
        root.Subcommands.Add(TimelineCommand());
        root.Subcommands.Add(TenantsCommand());
        root.Subcommands.Add(SchemaCommand());
        root.Subcommands.Add(BulkCommand());
        root.Subcommands.Add(PopulationCommand());
        root.Subcommands.Add(RulesCommand());
        if (serve is not null)
        {
            var serveCommand = new Command("serve", "run the dashboard (default when no command is given)");
            serveCommand.SetAction((_, ct) => serve(ct));
            root.Subcommands.Add(serveCommand);
        }
        return root;
    }

    // ---------- queues ----------

    private Command QueuesCommand()
    {
        var errorsOnly = new Option<bool>("--errors-only") { Description = "only the _error queues" };
        var command = new Command("queues", "queue depth, rates and consumers from RabbitMQ's management API") { errorsOnly };
        command.SetAction((p, ct) => Guard(async () =>
        {
            var (configuration, vhost) = Context(p);
            using var management = ManagementClient.FromConfiguration(configuration);
            var queues = await management.ListQueuesAsync(vhost, ct);
            if (p.GetValue(errorsOnly))
            {
                queues = queues.Where(q => q.IsErrorQueue).ToList();
            }
            output.WriteLine($"virtual host '{vhost}': {queues.Count} queue(s)");
            output.WriteLine($"{"QUEUE",-48} {"READY",7} {"UNACKED",7} {"CONSUMERS",9} {"IN/s",7} {"OUT/s",7} {"ACK/s",7}  TYPE");
            foreach (var q in queues)
            {
                var flag = q.IsErrorQueue && q.Messages > 0 ? "  <-- errors" : q.Consumers == 0 && !q.IsErrorQueue && !q.Name.EndsWith("_skipped", StringComparison.Ordinal) ? "  (no consumer)" : "";
                output.WriteLine($"{q.Name,-48} {q.Ready,7} {q.Unacknowledged,7} {q.Consumers,9} {Rate(q.PublishRate),7} {Rate(q.DeliverRate),7} {Rate(q.AckRate),7}  {q.Type}{flag}");
            }
            return Ok;
        }));
        return command;
    }

    // ---------- errors ----------

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

    // ---------- timeline ----------

    private Command TimelineCommand()
    {
        var hookInstance = new Argument<string>("hookInstance") { Description = "the hookInstance Epic sent" };
        var tenant = new Option<string?>("--tenant") { Description = "the tenant (default: search every tenant)" };
        var command = new Command("timeline", "everything recorded for one hook call: request, answer, cards, enrichment, feedback, write-backs, events")
        {
            hookInstance, tenant,
        };
        command.SetAction((p, ct) => Guard(async () =>
        {
            var (configuration, _) = Context(p, needsBus: false);
            await using var store = OpsEventStore.FromConfiguration(configuration);
            var id = p.GetRequiredValue(hookInstance);
            var view = await store.FindAsync(id, p.GetValue(tenant), ct);
            if (view is null)
            {
                error.WriteLine($"no timeline for hook instance '{id}' in schema '{store.Schema}'{(p.GetValue(tenant) is { } t ? $" for tenant '{t}'" : "")}");
                return Failed;
            }
            TimelinePrinter.Print(view, output);
            return Ok;
        }));
        return command;
    }

    // ---------- schema ----------

    /// <summary>
    /// Production does not let services change the database (EventStore:AutoApplySchema=false): the schema the code
    /// needs is exported for review, or applied here, by an operator, before a deploy.
    /// </summary>
    private Command SchemaCommand()
    {
        var schema = new Command("schema", "the event store's PostgreSQL schema: export the DDL the code needs, or apply it");
        var file = new Argument<string>("file") { Description = "where to write the SQL" };
        var export = new Command("export", "write the SQL that creates or updates the schema to a file (nothing is changed)") { file };
        export.SetAction((p, ct) => Guard(async () =>
        {
            var (configuration, _) = Context(p, needsBus: false);
            await using var store = OpsEventStore.FromConfiguration(configuration);
            var path = p.GetRequiredValue(file);
            await store.ExportSchemaAsync(path, ct);
            output.WriteLine($"schema '{store.Schema}': migration SQL written to {path}");
            return Ok;
        }));
        var yes = new Option<bool>("--yes") { Description = "do not ask for confirmation" };
        var apply = new Command("apply", "create or update the tables, functions and projections' documents in the database") { yes };
        apply.SetAction((p, ct) => Guard(async () =>
        {
            var (configuration, _) = Context(p, needsBus: false);
            await using var store = OpsEventStore.FromConfiguration(configuration);
            if (!p.GetValue(yes))
            {
                output.Write($"Apply schema changes to '{store.Schema}'? Type 'yes': ");
                if (!string.Equals(input.ReadLine()?.Trim(), "yes", StringComparison.Ordinal))
                {
                    error.WriteLine("not applied");
                    return Failed;
                }
            }
            await store.ApplySchemaAsync(ct);
            output.WriteLine($"schema '{store.Schema}' is up to date");
            return Ok;
        }));
        schema.Subcommands.Add(export);
        schema.Subcommands.Add(apply);
        return schema;
    }

    // ---------- tenants ----------

    private Command TenantsCommand()
    {
        var tenants = new Command("tenants", "tenant configuration and live checks");
        var tenant = new Option<string?>("--tenant") { Description = "check one tenant (default: every tenant under Tenants)" };
        var offline = new Option<bool>("--offline") { Description = "configuration only, no network" };
        var check = new Command("check", "PASS/FAIL per line: configuration, the rules in force (enabled, thresholds, overrides), smart-configuration reachable, token obtainable, Epic JWKS reachable")
        {
            tenant, offline,
        };
        check.SetAction((p, ct) => Guard(async () =>
        {
            var (configuration, _) = Context(p, needsBus: false);
            var checker = new TenantChecker(configuration);
            var live = !p.GetValue(offline);
            IReadOnlyList<TenantCheckLine> lines;
            if (p.GetValue(tenant) is { } one)
            {
                lines = await checker.CheckAsync(one, live, ct);
            }
            else if (checker.TenantIds.Count == 0)
            {
                error.WriteLine("no tenants configured (Tenants:{id}); pass --config infra/local/tenants.sandbox.json or set Tenants__{id}__… variables");
                return Error;
            }
            else
            {
                lines = await checker.CheckAllAsync(live, ct);
            }
            foreach (var line in lines)
            {
                output.WriteLine(line.ToString());
            }
            var failed = lines.Count(l => l.Status == CheckStatus.Fail);
            output.WriteLine($"{lines.Count(l => l.Status == CheckStatus.Pass)} passed, {failed} failed, {lines.Count(l => l.Status == CheckStatus.Skip)} skipped");
            return failed == 0 ? Ok : Failed;
        }));
        tenants.Subcommands.Add(check);
        return tenants;
    }

    // ---------- helpers ----------

    private (IConfiguration Configuration, string VirtualHost) Context(ParseResult p, bool needsBus = true)
    {
        var configuration = configure(p.GetValue(_config));
        var vhost = p.GetValue(_vhost) ?? (needsBus ? OpsSettings.From(configuration).ResolveVirtualHost(configuration) : "");
        return (configuration, vhost);
    }

    /// <summary>Infrastructure and configuration errors become one line on stderr and exit code 2, never a stack trace.</summary>
    private async Task<int> Guard(Func<Task<int>> run)
    {
        try
        {
            return await run();
        }
        catch (OperationCanceledException)
        {
            error.WriteLine("cancelled");
            return Error;
        }
        catch (Exception ex)
        {
            error.WriteLine($"error: {ex.Message}");
            return Error;
        }
    }

    private static string Rate(double rate) => rate.ToString("0.##", CultureInfo.InvariantCulture);

    private static string OneLine(string value) => value.ReplaceLineEndings(" ");
}
