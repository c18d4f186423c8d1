using System.CommandLine;
using Cds.Ops.Timeline;

namespace Cds.Ops.Cli;

/// <summary><c>schema export|apply</c>: the event store's PostgreSQL schema, reviewed or applied by an operator before a deploy.</summary>
public sealed partial class OpsCli
{
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
}
