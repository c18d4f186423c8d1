using System.Runtime.CompilerServices;
using System.Security.Cryptography;
using System.Text.Json;
using Cds.EventStore.Bulk;
using Cds.Fhir.Bulk;
using Npgsql;
using NpgsqlTypes;

namespace Cds.Bulk;

/// <summary>
/// Imports NDJSON lines into <c>{schema}.bulk_resources</c> inside the caller's transaction, in one pass over the data:
/// each line is scanned (type, id, patient) and hashed once (SHA-256 of its bytes, as Epic sent them: Epic's export has no
/// <c>meta.lastUpdated</c>, so a change is a different line), then binary COPY of the raw bytes: straight into the table
/// for a type the Group does not hold yet (its first export), else into a temporary staging table, from which one
/// statement upserts the staging rows by (tenant, Group, type, id) and classifies each by
/// <c>RETURNING</c>: inserted (<c>xmax = 0</c>), changed (its hash differed, so this export became its
/// <c>changed_export</c>) or unchanged. The keys of added and changed rows go to a second temporary table, read a page at a
/// time (<see cref="ChangesAsync"/>), so no step holds a whole file in memory. Both tables drop at commit.
/// </summary>
public sealed class BulkImporter(string schema)
{
    /// <summary>Keys per <see cref="ChangedKeys"/> page (and per change event).</summary>
    public const int ChangesPageSize = 5000;

    private string Table => $"\"{schema}\".{BulkExportStore.ResourcesTable}";

    private string Seen => $"\"{schema}\".{BulkExportStore.SeenTable}";

    /// <summary>
    /// Imports one file of <paramref name="fileType"/>. When the Group holds no resource of that type yet (its first export),
    /// the lines are copied straight into the table: nothing to compare against, so no staging. A file that lists a
    /// resource twice then fails on the primary key (<see cref="DuplicateResourceException"/>, the transaction is spoilt):
    /// import it again with <paramref name="allowDirect"/> false, through staging, which keeps one row per id.
    /// </summary>
    public async Task<FileImportResult> ImportAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, string tenant, string groupId, string exportId,
        string fileType, IAsyncEnumerable<NdjsonLine> lines, Func<long, long, ValueTask>? onProgress, bool allowDirect, CancellationToken ct)
    {
        await ExecuteAsync(connection, transaction, """
            CREATE TEMP TABLE IF NOT EXISTS bulk_staging (resource_type text NOT NULL, id text NOT NULL, patient_id text, content_hash bytea NOT NULL, resource jsonb NOT NULL) ON COMMIT DROP;
            CREATE TEMP TABLE IF NOT EXISTS bulk_changes (key text NOT NULL, added boolean NOT NULL) ON COMMIT DROP;
            TRUNCATE bulk_staging, bulk_changes;
            """, ct).ConfigureAwait(false);
        DateTimeOffset at;
        bool direct;
        await using (var probe = new NpgsqlCommand(
                         $"SELECT now(), NOT EXISTS (SELECT 1 FROM {Table} WHERE tenant = @tenant AND group_id = @group AND resource_type = @type)", connection, transaction))
        {
            probe.Parameters.AddWithValue("tenant", tenant);
            probe.Parameters.AddWithValue("group", groupId);
            probe.Parameters.AddWithValue("type", fileType);
            await using var reader = await probe.ExecuteReaderAsync(ct).ConfigureAwait(false);
            await reader.ReadAsync(ct).ConfigureAwait(false);
            (at, direct) = (reader.GetFieldValue<DateTimeOffset>(0), allowDirect && reader.GetBoolean(1));
        }

        long resources = 0, bytes = 0, skipped = 0;
        var types = new HashSet<string>(StringComparer.Ordinal);
        // The file's hash is the SHA-256 of its lines' hashes in order: every byte is hashed once, and any change to the file changes it.
        using var fileHash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        var lineHash = new byte[SHA256.HashSizeInBytes];
        try
        {
            await using var copy = await connection.BeginBinaryImportAsync(direct
                ? $"COPY {Table} (resource_type, id, patient_id, content_hash, resource, tenant, group_id, first_export, changed_export, seen_export, changed_at) FROM STDIN (FORMAT BINARY)"
                : "COPY bulk_staging (resource_type, id, patient_id, content_hash, resource) FROM STDIN (FORMAT BINARY)", ct).ConfigureAwait(false);
            await foreach (var line in lines.WithCancellation(ct).ConfigureAwait(false))
            {
                SHA256.HashData(line.Bytes, lineHash);
                fileHash.AppendData(lineHash);
                bytes += line.Bytes.Length + 1;
                if (!NdjsonLineScanner.Describe(line.Bytes, out var type, out var id, out var patient))
                {
                    skipped++;
                    continue;
                }

                types.Add(type);
                await copy.StartRowAsync(ct).ConfigureAwait(false);
                await copy.WriteAsync(type, NpgsqlDbType.Text, ct).ConfigureAwait(false);
                await copy.WriteAsync(id, NpgsqlDbType.Text, ct).ConfigureAwait(false);
                if (patient is null)
                {
                    await copy.WriteNullAsync(ct).ConfigureAwait(false);
                }
                else
                {
                    await copy.WriteAsync(patient, NpgsqlDbType.Text, ct).ConfigureAwait(false);
                }

                await copy.WriteAsync(lineHash, NpgsqlDbType.Bytea, ct).ConfigureAwait(false);
                // The line's UTF-8 bytes as they are: no decoding to a string on the way to jsonb.
                await copy.WriteAsync(line.Bytes, NpgsqlDbType.Jsonb, ct).ConfigureAwait(false);
                if (direct)
                {
                    await copy.WriteAsync(tenant, NpgsqlDbType.Text, ct).ConfigureAwait(false);
                    await copy.WriteAsync(groupId, NpgsqlDbType.Text, ct).ConfigureAwait(false);
                    await copy.WriteAsync(exportId, NpgsqlDbType.Text, ct).ConfigureAwait(false);
                    await copy.WriteAsync(exportId, NpgsqlDbType.Text, ct).ConfigureAwait(false);
                    await copy.WriteAsync(exportId, NpgsqlDbType.Text, ct).ConfigureAwait(false);
                    await copy.WriteAsync(at, NpgsqlDbType.TimestampTz, ct).ConfigureAwait(false);
                }

                resources++;
                if (onProgress is not null && resources % 1000 == 0)
                {
                    await onProgress(resources, bytes).ConfigureAwait(false);
                }
            }

            await copy.CompleteAsync(ct).ConfigureAwait(false);
        }
        catch (PostgresException ex) when (direct && ex.SqlState == PostgresErrorCodes.UniqueViolation)
        {
            throw new DuplicateResourceException(fileType);
        }

        var hash = Convert.ToHexStringLower(fileHash.GetHashAndReset());
        if (direct)
        {
            // Every row is new: their keys, by the primary key's prefix and this transaction's time.
            await using var list = new NpgsqlCommand($"""
                INSERT INTO bulk_changes (key, added) SELECT resource_type || '/' || id, true FROM {Table}
                WHERE tenant = @tenant AND group_id = @group AND resource_type = ANY(@types) AND changed_at = @at AND changed_export = @export
                """, connection, transaction);
            list.Parameters.AddWithValue("tenant", tenant);
            list.Parameters.AddWithValue("group", groupId);
            list.Parameters.AddWithValue("types", types.ToArray());
            list.Parameters.AddWithValue("at", at);
            list.Parameters.AddWithValue("export", exportId);
            var added = await list.ExecuteNonQueryAsync(ct).ConfigureAwait(false);
            return new FileImportResult(resources, bytes, skipped, hash, added, 0, 0);
        }

        // One statement over the staging table: the upsert writes only new rows and rows whose hash differs (an unchanged row
        // is left as it is, no new row version), and answers those two (xmax = 0 tells the new apart); every key is listed in
        // bulk_seen for the gone-from-group check at the export's end.
        // A file lists each resource once, so the staging rows go in as they are (no sort); should one appear twice, the
        // statement fails on it (21000) and runs again from a savepoint keeping one row per id.
        await ExecuteAsync(connection, transaction, "SAVEPOINT bulk_upsert", ct).ConfigureAwait(false);
        (long Distinct, long Added, long Changed) counts;
        try
        {
            counts = await UpsertAsync(connection, transaction, tenant, groupId, exportId, "bulk_staging", ct).ConfigureAwait(false);
        }
        catch (PostgresException ex) when (ex.SqlState == PostgresErrorCodes.CardinalityViolation)
        {
            await ExecuteAsync(connection, transaction, "ROLLBACK TO SAVEPOINT bulk_upsert", ct).ConfigureAwait(false);
            counts = await UpsertAsync(connection, transaction, tenant, groupId, exportId,
                "(SELECT DISTINCT ON (resource_type, id) * FROM bulk_staging ORDER BY resource_type, id) AS s", ct).ConfigureAwait(false);
        }

        await ExecuteAsync(connection, transaction, "RELEASE SAVEPOINT bulk_upsert", ct).ConfigureAwait(false);
        var (distinct, upserted, changed) = counts;
        return new FileImportResult(resources, bytes, skipped, hash, upserted, changed, distinct - upserted - changed);
    }

    private async Task<(long Distinct, long Added, long Changed)> UpsertAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, string tenant,
        string groupId, string exportId, string source, CancellationToken ct)
    {
        await using var upsert = new NpgsqlCommand($"""
            WITH upserted AS (
                INSERT INTO {Table} AS r (tenant, group_id, resource_type, id, patient_id, content_hash, resource, first_export, changed_export, seen_export, changed_at)
                SELECT @tenant, @group, resource_type, id, patient_id, content_hash, resource, @export, @export, @export, now() FROM {source}
                ON CONFLICT (tenant, group_id, resource_type, id) DO UPDATE SET
                    seen_export = EXCLUDED.seen_export,
                    patient_id = EXCLUDED.patient_id,
                    resource = EXCLUDED.resource,
                    changed_export = EXCLUDED.changed_export,
                    changed_at = EXCLUDED.changed_at,
                    content_hash = EXCLUDED.content_hash
                WHERE r.content_hash <> EXCLUDED.content_hash
                RETURNING r.resource_type || '/' || r.id AS key, (r.xmax = 0) AS added
            ),
            seen AS (
                INSERT INTO {Seen} (tenant, group_id, export_id, resource_type, id) SELECT @tenant, @group, @export, resource_type, id FROM {source} RETURNING 1
            ),
            listed AS (
                INSERT INTO bulk_changes (key, added) SELECT key, added FROM upserted RETURNING added
            )
            SELECT (SELECT count(*) FROM seen), count(*) FILTER (WHERE added), count(*) FILTER (WHERE NOT added) FROM listed
            """, connection, transaction);
        upsert.Parameters.AddWithValue("tenant", tenant);
        upsert.Parameters.AddWithValue("group", groupId);
        upsert.Parameters.AddWithValue("export", exportId);
        await using var reader = await upsert.ExecuteReaderAsync(ct).ConfigureAwait(false);
        return await reader.ReadAsync(ct).ConfigureAwait(false) ? (reader.GetInt64(0), reader.GetInt64(1), reader.GetInt64(2)) : (0, 0, 0);
    }

    /// <summary>The keys the last <see cref="ImportAsync"/> in this transaction added or changed, <see cref="ChangesPageSize"/> at a time.</summary>
    public static async IAsyncEnumerable<ChangedKeys> ChangesAsync(NpgsqlConnection connection, NpgsqlTransaction transaction,
        [EnumeratorCancellation] CancellationToken ct)
    {
        // A cursor: between two FETCHes the connection is free for the caller's writes (the change events) in the same transaction.
        await ExecuteAsync(connection, transaction, "DECLARE bulk_changes_cursor NO SCROLL CURSOR FOR SELECT key, added FROM bulk_changes", ct).ConfigureAwait(false);
        while (true)
        {
            var added = new List<string>();
            var changed = new List<string>();
            await using (var page = new NpgsqlCommand($"FETCH {ChangesPageSize} FROM bulk_changes_cursor", connection, transaction))
            {
                await using var reader = await page.ExecuteReaderAsync(ct).ConfigureAwait(false);
                while (await reader.ReadAsync(ct).ConfigureAwait(false))
                {
                    (reader.GetBoolean(1) ? added : changed).Add(reader.GetString(0));
                }
            }

            if (added.Count + changed.Count == 0)
            {
                await ExecuteAsync(connection, transaction, "CLOSE bulk_changes_cursor", ct).ConfigureAwait(false);
                yield break;
            }

            yield return new ChangedKeys(added, changed);
        }
    }

    /// <summary>
    /// Resources of <paramref name="types"/> that the export <paramref name="exportId"/> no longer carried: removed, and their
    /// keys answered. Carried = written by this export (<c>seen_export</c>: new or changed) or listed unchanged in
    /// <c>bulk_seen</c>, whose rows of the export are dropped with it.
    /// </summary>
    public async Task<IReadOnlyList<(string Type, string Key)>> RemoveGoneAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, string tenant,
        string groupId, string exportId, IReadOnlyCollection<string> types, CancellationToken ct)
    {
        await using var gone = new NpgsqlCommand($"""
            DELETE FROM {Table} r WHERE r.tenant = @tenant AND r.group_id = @group AND r.resource_type = ANY(@types) AND r.seen_export <> @export
                AND NOT EXISTS (SELECT 1 FROM {Seen} s WHERE s.export_id = @export AND s.resource_type = r.resource_type AND s.id = r.id)
            RETURNING r.resource_type, r.resource_type || '/' || r.id
            """, connection, transaction);
        gone.Parameters.AddWithValue("tenant", tenant);
        gone.Parameters.AddWithValue("group", groupId);
        gone.Parameters.AddWithValue("export", exportId);
        gone.Parameters.AddWithValue("types", types.ToArray());
        var keys = new List<(string, string)>();
        await using (var reader = await gone.ExecuteReaderAsync(ct).ConfigureAwait(false))
        {
            while (await reader.ReadAsync(ct).ConfigureAwait(false))
            {
                keys.Add((reader.GetString(0), reader.GetString(1)));
            }
        }

        await ForgetSeenAsync(connection, transaction, exportId, ct).ConfigureAwait(false);
        return keys;
    }

    /// <summary>Drops the export's <c>bulk_seen</c> rows (at its end, completed or failed).</summary>
    public async Task ForgetSeenAsync(NpgsqlConnection connection, NpgsqlTransaction? transaction, string exportId, CancellationToken ct)
    {
        await using var forget = new NpgsqlCommand($"DELETE FROM {Seen} WHERE export_id = @export", connection, transaction);
        forget.Parameters.AddWithValue("export", exportId);
        await forget.ExecuteNonQueryAsync(ct).ConfigureAwait(false);
    }

    private static async Task ExecuteAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, string sql, CancellationToken ct)
    {
        await using var command = new NpgsqlCommand(sql, connection, transaction);
        await command.ExecuteNonQueryAsync(ct).ConfigureAwait(false);
    }
}
