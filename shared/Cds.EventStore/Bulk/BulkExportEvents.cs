using Marten;
using Weasel.Postgresql;
using Weasel.Postgresql.Tables;

namespace Cds.EventStore.Bulk;

// The lifecycle of one Group $export, one Marten stream per export (key "bulk:{group}:{uuid}", tenant = Epic customer).
// The events carry counts, hashes, resource types and ids: never a line of the NDJSON.

/// <summary>An export was decided on; what was asked (and the <c>_since</c> it will send, if any).</summary>
public sealed record BulkExportRequested(string ExportId, string Tenant, string GroupId, IReadOnlyList<string> Types, DateTimeOffset? Since, DateTimeOffset RequestedAt);

/// <summary>Epic accepted the kick-off: the status URL to poll (and to DELETE at the end).</summary>
public sealed record BulkExportAccepted(string ExportId, string StatusUrl, DateTimeOffset AcceptedAt);

/// <summary>A poll said "still running" with a new X-Progress text.</summary>
public sealed record BulkExportProgressed(string ExportId, string? Progress, DateTimeOffset At);

/// <summary>One file of the manifest.</summary>
public sealed record BulkFileListed(string Type, string Url, long? Count);

/// <summary>The manifest: the files to import.</summary>
public sealed record BulkExportFilesListed(string ExportId, DateTimeOffset TransactionTime, bool RequiresAccessToken, IReadOnlyList<BulkFileListed> Files,
    int ErrorFiles, DateTimeOffset At);

/// <summary>One file imported (in the same transaction as its rows): counts and the SHA-256 of its content.</summary>
public sealed record BulkExportFileImported(string ExportId, string Url, string Type, long Resources, long Bytes, long Added, long Changed, long Unchanged,
    string ContentHash, DateTimeOffset At);

/// <summary>Resources of one type that are new, changed (by content hash) or no longer in the Group since the previous export.</summary>
public sealed record BulkResourcesChanged(string ExportId, string Type, IReadOnlyList<string> Added, IReadOnlyList<string> Changed, IReadOnlyList<string> Gone);

/// <summary>Every file imported, the status URL deleted.</summary>
public sealed record BulkExportCompleted(string ExportId, long Resources, long Bytes, long Added, long Changed, long Gone, bool Deleted, TimeSpan Duration, DateTimeOffset At);

/// <summary>The export cannot go on (refused, failed on Epic's side, expired); a new run starts a new export.</summary>
public sealed record BulkExportFailed(string ExportId, string Reason, int? StatusCode, bool Retryable, DateTimeOffset? RetryAt, DateTimeOffset At);

/// <summary>An export's state, folded from its stream.</summary>
public sealed class BulkExportRun
{
    public string ExportId { get; private set; } = "";
    public string Tenant { get; private set; } = "";
    public string GroupId { get; private set; } = "";
    public IReadOnlyList<string> Types { get; private set; } = [];
    public DateTimeOffset? Since { get; private set; }
    public DateTimeOffset RequestedAt { get; private set; }
    public string? StatusUrl { get; private set; }
    public string? Progress { get; private set; }
    public DateTimeOffset? TransactionTime { get; private set; }
    public bool RequiresAccessToken { get; private set; }
    public IReadOnlyList<BulkFileListed>? Files { get; private set; }
    public Dictionary<string, BulkExportFileImported> Imported { get; } = new(StringComparer.Ordinal);
    public BulkExportCompleted? Completed { get; private set; }
    public BulkExportFailed? Failed { get; private set; }

    public bool Finished => Completed is not null || Failed is not null;

    public long ResourcesImported => Imported.Values.Sum(f => f.Resources);

    public long BytesImported => Imported.Values.Sum(f => f.Bytes);

    public string State => Completed is not null ? "completed" : Failed is not null ? "failed" : Files is not null ? "importing" : StatusUrl is not null ? "exporting" : "requested";

    public static BulkExportRun Fold(IEnumerable<object> events)
    {
        var run = new BulkExportRun();
        foreach (var e in events)
        {
            run.Apply(e);
        }

        return run;
    }

    public void Apply(object e)
    {
        switch (e)
        {
            case BulkExportRequested r:
                (ExportId, Tenant, GroupId, Types, Since, RequestedAt) = (r.ExportId, r.Tenant, r.GroupId, r.Types, r.Since, r.RequestedAt);
                break;
            case BulkExportAccepted a:
                StatusUrl = a.StatusUrl;
                break;
            case BulkExportProgressed p:
                Progress = p.Progress;
                break;
            case BulkExportFilesListed l:
                (TransactionTime, RequiresAccessToken, Files) = (l.TransactionTime, l.RequiresAccessToken, l.Files);
                break;
            case BulkExportFileImported i:
                Imported[i.Url] = i;
                break;
            case BulkExportCompleted c:
                Completed = c;
                break;
            case BulkExportFailed f:
                Failed = f;
                break;
        }
    }
}

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
