using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Cds.EventStore.Bulk;
using Cds.Fhir.Bulk;
using Npgsql;
using NpgsqlTypes;

namespace Cds.Bulk;

/// <summary>What importing one file did.</summary>
public sealed record FileImportResult(long Resources, long Bytes, long Skipped, string ContentHash, IReadOnlyList<string> Added, IReadOnlyList<string> Changed, long Unchanged);

/// <summary>
/// Imports NDJSON lines into <c>{schema}.bulk_resources</c> inside the caller's transaction: binary COPY into a temporary
/// staging table (dropped at commit), then one classification query (new / changed by content hash / unchanged) and one
/// upsert by (tenant, Group, type, id). The content hash is SHA-256 of the resource's line as Epic sent it: Epic's
/// export has no <c>meta.lastUpdated</c>, so a change is a different line.
/// </summary>
public sealed class BulkImporter(string schema)
{
    private string Table => $"\"{schema}\".{BulkExportStore.ResourcesTable}";

    public async Task<FileImportResult> ImportAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, string tenant, string groupId, string exportId,
        IAsyncEnumerable<NdjsonLine> lines, Func<long, long, ValueTask>? onProgress, CancellationToken ct)
    {
        await using (var create = new NpgsqlCommand(
            "CREATE TEMP TABLE bulk_staging (resource_type text NOT NULL, id text NOT NULL, patient_id text, content_hash bytea NOT NULL, resource jsonb NOT NULL) ON COMMIT DROP",
            connection, transaction))
        {
            await create.ExecuteNonQueryAsync(ct).ConfigureAwait(false);
        }

        long resources = 0, bytes = 0, skipped = 0;
        using var fileHash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        await using (var copy = await connection.BeginBinaryImportAsync(
                         "COPY bulk_staging (resource_type, id, patient_id, content_hash, resource) FROM STDIN (FORMAT BINARY)", ct).ConfigureAwait(false))
        {
            await foreach (var line in lines.WithCancellation(ct).ConfigureAwait(false))
            {
                fileHash.AppendData(line.Bytes);
                fileHash.AppendData("\n"u8);
                bytes += line.Bytes.Length + 1;
                if (!Describe(line.Bytes, out var type, out var id, out var patient))
                {
                    skipped++;
                    continue;
                }

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

                await copy.WriteAsync(SHA256.HashData(line.Bytes), NpgsqlDbType.Bytea, ct).ConfigureAwait(false);
                await copy.WriteAsync(Encoding.UTF8.GetString(line.Bytes), NpgsqlDbType.Jsonb, ct).ConfigureAwait(false);
                resources++;
                if (onProgress is not null && resources % 1000 == 0)
                {
                    await onProgress(resources, bytes).ConfigureAwait(false);
                }
            }

            await copy.CompleteAsync(ct).ConfigureAwait(false);
        }

        var added = new List<string>();
        var changed = new List<string>();
        await using (var classify = new NpgsqlCommand($"""
            SELECT s.resource_type || '/' || s.id, r.content_hash IS NULL
            FROM (SELECT DISTINCT ON (resource_type, id) resource_type, id, content_hash FROM bulk_staging ORDER BY resource_type, id) s
            LEFT JOIN {Table} r ON r.tenant = @tenant AND r.group_id = @group AND r.resource_type = s.resource_type AND r.id = s.id
            WHERE r.content_hash IS NULL OR r.content_hash <> s.content_hash
            """, connection, transaction))
        {
            classify.Parameters.AddWithValue("tenant", tenant);
            classify.Parameters.AddWithValue("group", groupId);
            await using var reader = await classify.ExecuteReaderAsync(ct).ConfigureAwait(false);
            while (await reader.ReadAsync(ct).ConfigureAwait(false))
            {
                (reader.GetBoolean(1) ? added : changed).Add(reader.GetString(0));
            }
        }

        long distinct;
        await using (var upsert = new NpgsqlCommand($"""
            INSERT INTO {Table} AS r (tenant, group_id, resource_type, id, patient_id, content_hash, resource, first_export, changed_export, seen_export, changed_at)
            SELECT DISTINCT ON (resource_type, id) @tenant, @group, resource_type, id, patient_id, content_hash, resource, @export, @export, @export, now()
            FROM bulk_staging ORDER BY resource_type, id
            ON CONFLICT (tenant, group_id, resource_type, id) DO UPDATE SET
                seen_export = EXCLUDED.seen_export,
                patient_id = EXCLUDED.patient_id,
                resource = CASE WHEN r.content_hash = EXCLUDED.content_hash THEN r.resource ELSE EXCLUDED.resource END,
                changed_export = CASE WHEN r.content_hash = EXCLUDED.content_hash THEN r.changed_export ELSE EXCLUDED.changed_export END,
                changed_at = CASE WHEN r.content_hash = EXCLUDED.content_hash THEN r.changed_at ELSE EXCLUDED.changed_at END,
                content_hash = EXCLUDED.content_hash
            """, connection, transaction))
        {
            upsert.Parameters.AddWithValue("tenant", tenant);
            upsert.Parameters.AddWithValue("group", groupId);
            upsert.Parameters.AddWithValue("export", exportId);
            distinct = await upsert.ExecuteNonQueryAsync(ct).ConfigureAwait(false);
        }

        return new FileImportResult(resources, bytes, skipped, Convert.ToHexStringLower(fileHash.GetHashAndReset()), added, changed,
            distinct - added.Count - changed.Count);
    }

    /// <summary>Resources of <paramref name="types"/> that the export <paramref name="exportId"/> no longer carried: removed, and their keys answered.</summary>
    public async Task<IReadOnlyList<(string Type, string Key)>> RemoveGoneAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, string tenant,
        string groupId, string exportId, IReadOnlyCollection<string> types, CancellationToken ct)
    {
        await using var gone = new NpgsqlCommand($"""
            DELETE FROM {Table} WHERE tenant = @tenant AND group_id = @group AND resource_type = ANY(@types) AND seen_export <> @export
            RETURNING resource_type, resource_type || '/' || id
            """, connection, transaction);
        gone.Parameters.AddWithValue("tenant", tenant);
        gone.Parameters.AddWithValue("group", groupId);
        gone.Parameters.AddWithValue("export", exportId);
        gone.Parameters.AddWithValue("types", types.ToArray());
        var keys = new List<(string, string)>();
        await using var reader = await gone.ExecuteReaderAsync(ct).ConfigureAwait(false);
        while (await reader.ReadAsync(ct).ConfigureAwait(false))
        {
            keys.Add((reader.GetString(0), reader.GetString(1)));
        }

        return keys;
    }

    /// <summary>resourceType, id and the patient a resource belongs to (itself, <c>subject</c> or <c>patient</c>), from the line's top level.</summary>
    internal static bool Describe(byte[] line, out string type, out string id, out string? patient)
    {
        type = id = "";
        patient = null;
        string? subject = null;
        var reader = new Utf8JsonReader(line);
        try
        {
            if (!reader.Read() || reader.TokenType != JsonTokenType.StartObject)
            {
                return false;
            }

            while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
            {
                if (reader.CurrentDepth != 1)
                {
                    reader.Skip();
                    continue;
                }

                var name = reader.ValueSpan;
                if (name.SequenceEqual("resourceType"u8) && reader.Read() && reader.TokenType == JsonTokenType.String)
                {
                    type = reader.GetString()!;
                }
                else if (name.SequenceEqual("id"u8) && reader.Read() && reader.TokenType == JsonTokenType.String)
                {
                    id = reader.GetString()!;
                }
                else if ((name.SequenceEqual("subject"u8) || name.SequenceEqual("patient"u8)) && reader.Read() && reader.TokenType == JsonTokenType.StartObject)
                {
                    subject ??= ReferenceOf(ref reader);
                }
                else
                {
                    reader.Read();
                    reader.Skip();
                }
            }
        }
        catch (JsonException)
        {
            return false;
        }

        if (type.Length == 0 || id.Length == 0)
        {
            return false;
        }

        patient = type == "Patient" ? id : subject is not null && subject.StartsWith("Patient/", StringComparison.Ordinal) ? subject["Patient/".Length..] : null;
        return true;
    }

    private static string? ReferenceOf(ref Utf8JsonReader reader)
    {
        string? reference = null;
        var depth = reader.CurrentDepth;
        while (reader.Read() && !(reader.TokenType == JsonTokenType.EndObject && reader.CurrentDepth == depth))
        {
            if (reader.TokenType == JsonTokenType.PropertyName && reader.CurrentDepth == depth + 1 && reader.ValueSpan.SequenceEqual("reference"u8))
            {
                reader.Read();
                reference = reader.TokenType == JsonTokenType.String ? reader.GetString() : null;
            }
            else if (reader.TokenType is JsonTokenType.StartObject or JsonTokenType.StartArray)
            {
                reader.Skip();
            }
        }

        return reference;
    }
}
