using System.CommandLine;
using System.Globalization;
using Cds.Ops.Rabbit;
using Cds.Ops.Timeline;
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
}
