using System.Diagnostics;
using System.Globalization;
using System.Runtime.CompilerServices;
using System.Text;
using Cds.Benchmarks.Harness;
using Cds.Bulk;
using Cds.EventStore;
using Cds.EventStore.Bulk;
using Cds.Fhir.Bulk;
using Marten;
using Npgsql;
using NpgsqlTypes;

namespace Cds.Benchmarks.Scenarios;

/// <summary>
/// B8: NDJSON → table. The population import (<see cref="BulkImporter"/>: top-level scan for type/id/patient, SHA-256 per
/// resource, binary COPY) against a raw binary COPY of the same lines into a one-column jsonb table, twice: into an empty
/// table (a Group's first export: straight into the keyed table), and the same file again over it (every later export:
/// staging, then one upsert by id that classifies new/changed/unchanged by its RETURNING). Same file, same line reader;
/// resources per second.
/// </summary>
public sealed class B8BulkImportScenario : IScenario
{
    public string Id => "B8";
    public string Title => "Bulk NDJSON import vs raw binary COPY";

    public async Task RunAsync(BenchContext context, ScenarioResult result, CancellationToken ct)
    {
        await using var infra = AsyncDisposer.Of(await BenchContext.IsolatedAsync());
        var schema = infra.Value.Schema;
        var connectionString = infra.Value.Postgres;
        using (var store = DocumentStore.For(o => EventStoreSetup.Configure(o, connectionString, new EventStoreSettings { Schema = schema })))
        {
            await store.Storage.ApplyAllConfiguredChangesToDatabaseAsync();
        }

        var lines = context.Smoke ? 5_000 : 100_000;
        var file = Path.Combine(Path.GetTempPath(), $"b8-{Guid.NewGuid():N}.ndjson");
        await File.WriteAllLinesAsync(file, Enumerable.Range(0, lines).Select(Observation), ct);
        try
        {
            await Exec(connectionString, $"create table {schema}.raw_ndjson (resource jsonb not null)", ct);
            var importer = new BulkImporter(schema);
            var run = 0;

            async Task<FileImportResult> ImportAsync()
            {
                await using var connection = new NpgsqlConnection(connectionString);
                await connection.OpenAsync(ct);
                await using var transaction = await connection.BeginTransactionAsync(ct);
                var imported = await importer.ImportAsync(connection, transaction, "bench", "bench-group", $"bench-{++run}", "Observation", Read(file, ct), null, true, ct);
                await transaction.CommitAsync(ct);
                return imported;
            }

            // A Group's first export: the type is not in the table yet, so the lines are copied straight in.
            async Task<double> Ours()
            {
                await Exec(connectionString, $"truncate {schema}.{BulkExportStore.ResourcesTable}", ct);
                var sw = Stopwatch.StartNew();
                var imported = await ImportAsync();
                return imported.Resources / sw.Elapsed.TotalSeconds;
            }

            // Every later export: staging, then the upsert that compares hashes (here every resource is unchanged).
            async Task<double> Again()
            {
                await Exec(connectionString, $"truncate {schema}.{BulkExportStore.ResourcesTable}", ct);
                await ImportAsync();
                var sw = Stopwatch.StartNew();
                var imported = await ImportAsync();
                if (imported.Unchanged != lines)
                {
                    throw new InvalidOperationException($"the second import saw {imported.Unchanged} of {lines} resources unchanged");
                }

                return imported.Resources / sw.Elapsed.TotalSeconds;
            }

            async Task<double> Raw()
            {
                await Exec(connectionString, $"truncate {schema}.raw_ndjson", ct);
                var sw = Stopwatch.StartNew();
                await using var connection = new NpgsqlConnection(connectionString);
                await connection.OpenAsync(ct);
                await using var transaction = await connection.BeginTransactionAsync(ct);
                long n = 0;
                await using (var copy = await connection.BeginBinaryImportAsync($"copy {schema}.raw_ndjson (resource) from stdin (format binary)", ct))
                {
                    await foreach (var line in Read(file, ct))
                    {
                        await copy.StartRowAsync(ct);
                        await copy.WriteAsync(line.Bytes, NpgsqlDbType.Jsonb, ct);
                        n++;
                    }

                    await copy.CompleteAsync(ct);
                }

                await transaction.CommitAsync(ct);
                return n / sw.Elapsed.TotalSeconds;
            }

            var (ours, raw) = await Interleave.RunAsync(context.Repetitions, Ours, Raw);
            result.Comparisons.Add(Comparison.From(Id, $"import {lines} Observation lines into an empty table (first export)", "resources/s",
                "BulkImporter (scan, hash, COPY into the keyed table)", "raw binary COPY (jsonb)", ours, raw, Better.Higher, 0.5,
                "each line is scanned for type/id/patient and hashed in C# on the same 2 cores as PostgreSQL, and the row (11 columns) goes into a table with its primary key; the raw COPY writes one unindexed column"));
            var (again, raw2) = await Interleave.RunAsync(context.Repetitions, Again, Raw);
            result.Comparisons.Add(Comparison.From(Id, $"import the same {lines} lines again (later export, all unchanged)", "resources/s",
                "BulkImporter (scan, hash, COPY into staging, upsert + classify)", "raw binary COPY (jsonb)", again, raw2, Better.Higher, 0.5,
                "each resource is copied into a temporary staging table, then read once by one statement that probes the primary key per row (ON CONFLICT; unchanged rows are not rewritten) and lists every key in bulk_seen for the gone-from-group check; the raw COPY writes once, unindexed"));
            result.Notes.Add($"{lines} lines of ~{new FileInfo(file).Length / lines} bytes; one transaction per run; both sides read the file with the same line reader.");
        }
        finally
        {
            File.Delete(file);
        }
    }

    private static async IAsyncEnumerable<NdjsonLine> Read(string file, [EnumeratorCancellation] CancellationToken ct)
    {
        long n = 0, bytes = 0;
        await foreach (var text in File.ReadLinesAsync(file, ct))
        {
            var line = Encoding.UTF8.GetBytes(text);
            bytes += line.Length + 1;
            yield return new NdjsonLine(line, new NdjsonPosition(++n, bytes));
        }
    }

    private static async Task Exec(string connectionString, string sql, CancellationToken ct)
    {
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync(ct);
        await using var command = new NpgsqlCommand(sql, connection);
        await command.ExecuteNonQueryAsync(ct);
    }

    /// <summary>A synthetic HbA1c Observation (no real person), shaped like Epic's export lines.</summary>
    private static string Observation(int i) => string.Create(CultureInfo.InvariantCulture,
        $$$"""{"resourceType":"Observation","id":"eBench{{{i}}}","status":"final","category":[{"coding":[{"system":"http://terminology.hl7.org/CodeSystem/observation-category","code":"laboratory","display":"Laboratory"}]}],"code":{"coding":[{"system":"http://loinc.org","code":"4548-4","display":"Hemoglobin A1c/Hemoglobin.total in Blood"}],"text":"HbA1c"},"subject":{"reference":"Patient/eBenchPatient{{{i / 4}}}"},"effectiveDateTime":"2026-0{{{1 + i % 9}}}-1{{{i % 10}}}T08:30:00Z","issued":"2026-01-12T10:00:00Z","valueQuantity":{"value":{{{5 + i % 60 / 10.0}}},"unit":"%","system":"http://unitsofmeasure.org","code":"%"}}""");
}
