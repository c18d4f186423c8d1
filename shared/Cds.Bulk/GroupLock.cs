using Npgsql;

namespace Cds.Bulk;

/// <summary>
/// One worker per tenant and Group: a PostgreSQL advisory lock on a connection of its own (not pooled, so a worker that
/// dies or is stopped releases it with its session). Released explicitly when the run ends: a closed connection's
/// server session ends a moment later, and the next run must not find the lock still held.
/// </summary>
internal sealed class GroupLock : IAsyncDisposable
{
    private readonly NpgsqlConnection _connection;
    private readonly string _key;

    private GroupLock(NpgsqlConnection connection, string key) => (_connection, _key) = (connection, key);

    /// <summary>
    /// The lock, or null when another worker holds it. Advisory locks are database-wide: the key names the schema too, so
    /// two deployments (or test runs) that share a database but not a schema never wait on each other's exports.
    /// </summary>
    public static async Task<GroupLock?> TryTakeAsync(string connectionString, string schema, string tenant, string group, CancellationToken ct)
    {
        var connection = new NpgsqlConnection(new NpgsqlConnectionStringBuilder(connectionString) { Pooling = false }.ConnectionString);
        try
        {
            await connection.OpenAsync(ct).ConfigureAwait(false);
            var key = "cds.bulk:" + schema + ":" + tenant.ToLowerInvariant() + ":" + group;
            await using var command = new NpgsqlCommand("SELECT pg_try_advisory_lock(hashtextextended(@key, 17))", connection);
            command.Parameters.AddWithValue("key", key);
            if ((bool)(await command.ExecuteScalarAsync(ct).ConfigureAwait(false))!)
            {
                return new GroupLock(connection, key);
            }
        }
        catch
        {
            await connection.DisposeAsync().ConfigureAwait(false);
            throw;
        }
        await connection.DisposeAsync().ConfigureAwait(false);
        return null;
    }

    public async ValueTask DisposeAsync()
    {
        try
        {
            await using var command = new NpgsqlCommand("SELECT pg_advisory_unlock(hashtextextended(@key, 17))", _connection);
            command.Parameters.AddWithValue("key", _key);
            await command.ExecuteScalarAsync().ConfigureAwait(false);
        }
        catch (NpgsqlException)
        {
            // The session is gone (the database restarted): the lock went with it.
        }
        await _connection.DisposeAsync().ConfigureAwait(false);
    }
}
