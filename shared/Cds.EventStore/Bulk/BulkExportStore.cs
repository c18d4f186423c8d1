using Marten;
using Weasel.Postgresql;
using Weasel.Postgresql.Tables;

namespace Cds.EventStore.Bulk;

public static class BulkExportStore
{
    /// <summary>The table of imported resources: one row per (tenant, Group, type, id), in the event store's schema.</summary>
    public const string ResourcesTable = "bulk_resources";

    /// <summary>Keys each running export carried unchanged (for "gone from the Group" at its end; dropped then).</summary>
    public const string SeenTable = "bulk_seen";

    /// <summary>Registers the export events, the imported-resources table and the population run's documents (created with the rest of the schema, and by <c>schema apply</c>).</summary>
    public static void Register(StoreOptions options, string schema)
    {
        options.Events.AddEventType<BulkExportRequested>();
        options.Events.AddEventType<BulkExportAccepted>();
        options.Events.AddEventType<BulkExportProgressed>();
        options.Events.AddEventType<BulkExportFilesListed>();
        options.Events.AddEventType<BulkExportFileImported>();
        options.Events.AddEventType<BulkResourcesChanged>();
        options.Events.AddEventType<BulkExportCompleted>();
        options.Events.AddEventType<BulkExportFailed>();

        // Tenant column rather than a schema per tenant: one table, one set of indexes, tenants added by configuration alone.
        var table = new Table(new PostgresqlObjectName(schema, ResourcesTable, SchemaUtils.IdentifierUsage.General));
        table.AddColumn<string>("tenant").AsPrimaryKey();
        table.AddColumn<string>("group_id").AsPrimaryKey();
        table.AddColumn<string>("resource_type").AsPrimaryKey();
        table.AddColumn<string>("id").AsPrimaryKey();
        table.AddColumn("patient_id", "text");
        table.AddColumn("content_hash", "bytea").NotNull();
        table.AddColumn("resource", "jsonb").NotNull();
        table.AddColumn("first_export", "text").NotNull();
        table.AddColumn("changed_export", "text").NotNull();
        table.AddColumn("seen_export", "text").NotNull();
        table.AddColumn("changed_at", "timestamptz").NotNull();
        // No secondary index: the one reader by patient (the population run) reads the whole cohort in patient order, which a
        // scan and sort serve as well, and an index would cost every import a third of its speed (B8).
        options.Storage.ExtendedSchemaObjects.Add(table);

        var seen = new Table(new PostgresqlObjectName(schema, SeenTable, SchemaUtils.IdentifierUsage.General));
        seen.AddColumn<string>("tenant").NotNull();
        seen.AddColumn<string>("group_id").NotNull();
        seen.AddColumn<string>("export_id").NotNull();
        seen.AddColumn<string>("resource_type").NotNull();
        seen.AddColumn<string>("id").NotNull();
        seen.Indexes.Add(new IndexDefinition("ix_bulk_seen_export") { Columns = ["export_id"] });
        options.Storage.ExtendedSchemaObjects.Add(seen);

        // What the last population run found, per patient (the hook path's lookup) and per run (the dashboard, `population gaps`).
        options.Schema.For<PatientPopulationGaps>().Index(x => x.RunId);
        options.Schema.For<PopulationGapRun>().Index(x => x.At);
    }
}
