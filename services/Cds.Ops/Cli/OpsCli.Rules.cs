using System.CommandLine;
using Cds.Ops.Rules;
using Cds.Ops.Timeline;

namespace Cds.Ops.Cli;

/// <summary><c>rules report</c> (per-rule outcomes for the CDS committee) and <c>rules rebuild</c> (replay the events).</summary>
public sealed partial class OpsCli
{
    private Command RulesCommand()
    {
        var rules = new Command("rules", "what each clinical rule did: cards fired and shown, feedback, override reasons");

        var tenant = new Option<string?>("--tenant") { Description = "one tenant (default: every tenant together)" };
        var since = new Option<string>("--since")
        {
            Description = "start of the window: 7d, 24h or a date (UTC days; default 7d)",
            DefaultValueFactory = _ => "7d",
        };
        var format = new Option<string>("--format") { Description = "table, csv or json", DefaultValueFactory = _ => "table" };
        format.AcceptOnlyFromAmong("table", "csv", "json");
        var report = new Command("report", "one row per rule: fire rate per 100 hooks, acceptance %, override %, top override reasons")
        {
            tenant, since, format,
        };
        report.SetAction((p, ct) => Guard(async () =>
        {
            var (configuration, _) = Context(p, needsBus: false);
            var from = RuleReport.ParseSince(p.GetRequiredValue(since), DateTimeOffset.UtcNow);
            await using var store = OpsEventStore.FromConfiguration(configuration);
            var who = p.GetValue(tenant);
            var lag = await store.RuleOutcomesLagAsync(ct);
            var days = await store.RuleOutcomesAsync(who, from, ct);
            var hooks = await store.HooksByServiceAsync(who, from, days.Select(d => d.ServiceId), ct);
            var rows = RuleReport.Build(days, hooks);
            switch (p.GetRequiredValue(format))
            {
                case "csv":
                    RuleReport.PrintCsv(rows, output);
                    break;
                case "json":
                    RuleReport.PrintJson(rows, output);
                    break;
                default:
                    RuleReport.PrintTable(rows, $"rules since {from:yyyy-MM-dd} UTC, tenant {who ?? "(all)"}, schema '{store.Schema}'", output);
                    break;
            }
            // How fresh the numbers are: under the table; on stderr for CSV and JSON, which stay data only.
            (p.GetRequiredValue(format) == "table" ? output : error).WriteLine(lag.Describe(DateTimeOffset.UtcNow));
            return Ok;
        }));

        var rebuild = new Command("rebuild", "delete the rule outcome documents and project every recorded event again");
        rebuild.SetAction((p, ct) => Guard(async () =>
        {
            var (configuration, _) = Context(p, needsBus: false);
            await using var store = OpsEventStore.FromConfiguration(configuration);
            await store.RebuildRuleOutcomesAsync(ct);
            output.WriteLine($"schema '{store.Schema}': rule outcomes rebuilt from the events");
            return Ok;
        }));

        rules.Subcommands.Add(report);
        rules.Subcommands.Add(rebuild);
        return rules;
    }
}
