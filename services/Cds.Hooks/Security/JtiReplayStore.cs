using System.Text.RegularExpressions;
using Microsoft.Extensions.Options;
using Npgsql;

namespace Cds.Hooks.Security;

/// <summary>Remembers every accepted (tenant, jti) until the token can no longer be valid, across all instances.</summary>
public interface IJtiReplayStore
{
    /// <summary>true when (tenant, jti) was not seen before (it is now recorded until <paramref name="expiresAt"/>); false on a replay.</summary>
    Task<bool> TryRegisterAsync(string tenant, string jti, DateTimeOffset expiresAt, CancellationToken cancellationToken);

    /// <summary>One-time set-up (e.g. the table), done at start-up so the first hooks only register their jti.</summary>
    Task PrepareAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    /// <summary>
    /// PostgreSQL that registers many jti in the caller's own transaction (the hook's group-committed record):
    /// parameters $1 tenants (text[]), $2 jti (text[]), $3 expiries (timestamptz[]), each pair at most once; returns
    /// the (tenant, jti) pairs accepted, i.e. not seen before. Null when the store is not in the event store's database.
    /// </summary>
    string? RegisterManySql => null;
}

/// <summary>
/// PostgreSQL jti store: table {schema}.hook_jwt_jti (tenant, jti, expires_at), created on first use;
/// INSERT ... ON CONFLICT decides atomically across instances; expired rows are purged lazily.
/// </summary>
internal sealed partial class PostgresJtiReplayStore : IJtiReplayStore, IAsyncDisposable
{
    private static readonly TimeSpan PurgeEvery = TimeSpan.FromMinutes(1);
    private readonly NpgsqlDataSource? _dataSourceOrNull;
    private readonly string _table;
    private readonly string _schema;
    private readonly SemaphoreSlim _schemaGate = new(1, 1);
    private readonly TimeProvider _time;
    private readonly ILogger<PostgresJtiReplayStore> _logger;
    private volatile bool _schemaReady;
    private long _nextPurgeTicks;

    public PostgresJtiReplayStore(IOptionsMonitor<EpicJwtOptions> options, TimeProvider time, ILogger<PostgresJtiReplayStore> logger)
    {
        // Start-up validation (EpicJwtOptionsValidator) reports a missing connection string or a bad schema name;
        // with HookAuth:Enabled=false the store is never used, so the constructor must not throw.
        var o = options.Get(EpicJwtDefaults.AuthenticationScheme);
        _schema = IsValidSchemaName(o.ReplaySchema) ? o.ReplaySchema : "cds_hooks";
        _table = $"\"{_schema}\".hook_jwt_jti";
        _dataSourceOrNull = string.IsNullOrWhiteSpace(o.ReplayConnectionString) || !IsValidSchemaName(o.ReplaySchema)
            ? null
            : NpgsqlDataSource.Create(o.ReplayConnectionString);
        _time = time;
        _logger = logger;
    }

    private NpgsqlDataSource DataSource => _dataSourceOrNull
        ?? throw new InvalidOperationException("The jti replay store is not configured (ConnectionStrings:Postgres, HookAuth:ReplaySchema).");

    public static bool IsValidSchemaName(string? name) => name is not null && SchemaName().IsMatch(name);

    public async Task<bool> TryRegisterAsync(string tenant, string jti, DateTimeOffset expiresAt, CancellationToken cancellationToken)
    {
        await EnsureSchemaAsync(cancellationToken).ConfigureAwait(false);
        await PurgeIfDueAsync(cancellationToken).ConfigureAwait(false);

        // A row whose expiry has passed (not purged yet) no longer proves anything: it is taken over.
        await using var cmd = DataSource.CreateCommand(
            $"""
            INSERT INTO {_table} (tenant, jti, expires_at) VALUES ($1, $2, $3)
            ON CONFLICT (tenant, jti) DO UPDATE SET expires_at = EXCLUDED.expires_at
              WHERE {_table}.expires_at < now()
            RETURNING 1
            """);
        cmd.Parameters.Add(new NpgsqlParameter { Value = tenant });
        cmd.Parameters.Add(new NpgsqlParameter { Value = jti });
        cmd.Parameters.Add(new NpgsqlParameter { Value = expiresAt.ToUniversalTime() });
        var result = await cmd.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false);
        return result is not null;
    }

    public Task PrepareAsync(CancellationToken cancellationToken) => EnsureSchemaAsync(cancellationToken);

    public string? RegisterManySql => _dataSourceOrNull is null ? null :
        $"""
        INSERT INTO {_table} (tenant, jti, expires_at) SELECT * FROM unnest($1::text[], $2::text[], $3::timestamptz[])
        ON CONFLICT (tenant, jti) DO UPDATE SET expires_at = EXCLUDED.expires_at
          WHERE {_table}.expires_at < now()
        RETURNING tenant, jti
        """;

    private async Task EnsureSchemaAsync(CancellationToken cancellationToken)
    {
        if (_schemaReady)
        {
            return;
        }

        await _schemaGate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            if (_schemaReady)
            {
                return;
            }

            await using var connection = await DataSource.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
            await using var tx = await connection.BeginTransactionAsync(cancellationToken).ConfigureAwait(false);
            // Several instances may start at once: serialise the DDL (CREATE ... IF NOT EXISTS is not race-free).
            await using (var cmd = new NpgsqlCommand(
                $"""
                SELECT pg_advisory_xact_lock(hashtext('cds_hooks.jti_replay:{_schema}'));
                CREATE SCHEMA IF NOT EXISTS "{_schema}";
                CREATE TABLE IF NOT EXISTS {_table} (
                    tenant     text        NOT NULL,
                    jti        text        NOT NULL,
                    expires_at timestamptz NOT NULL,
                    PRIMARY KEY (tenant, jti));
                CREATE INDEX IF NOT EXISTS hook_jwt_jti_expires_at ON {_table} (expires_at);
                """, connection, tx))
            {
                await cmd.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
            }

            await tx.CommitAsync(cancellationToken).ConfigureAwait(false);
            _schemaReady = true;
        }
        finally
        {
            _schemaGate.Release();
        }
    }

    private async Task PurgeIfDueAsync(CancellationToken cancellationToken)
    {
        var now = _time.GetUtcNow().UtcTicks;
        var due = Interlocked.Read(ref _nextPurgeTicks);
        if (now < due || Interlocked.CompareExchange(ref _nextPurgeTicks, now + PurgeEvery.Ticks, due) != due)
        {
            return;
        }

        try
        {
            await using var cmd = DataSource.CreateCommand(
                $"DELETE FROM {_table} WHERE ctid IN (SELECT ctid FROM {_table} WHERE expires_at < now() LIMIT 5000)");
            var deleted = await cmd.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
            if (deleted > 0)
            {
                LogPurged(_logger, deleted);
            }
        }
        catch (NpgsqlException e)
        {
            // Purging is housekeeping: a failure must not refuse a valid call.
            LogPurgeFailed(_logger, e.SqlState ?? "n/a");
        }
    }

    public ValueTask DisposeAsync() => _dataSourceOrNull?.DisposeAsync() ?? ValueTask.CompletedTask;

    [GeneratedRegex("^[a-z_][a-z0-9_]{0,62}$")]
    private static partial Regex SchemaName();

    [LoggerMessage(EventId = 4111, Level = LogLevel.Debug, Message = "Purged {Count} expired hook jti row(s)")]
    private static partial void LogPurged(ILogger logger, int count);

    [LoggerMessage(EventId = 4112, Level = LogLevel.Warning, Message = "Purging expired hook jti rows failed (SQLSTATE {SqlState})")]
    private static partial void LogPurgeFailed(ILogger logger, string sqlState);
}
