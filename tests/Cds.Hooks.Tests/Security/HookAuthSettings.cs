using Npgsql;

namespace Cds.Hooks.Tests.Security;

/// <summary>The local PostgreSQL (env CDS_POSTGRES, else the local default) and a schema of its own per test class.</summary>
public sealed class ReplaySchema : IAsyncLifetime
{
    public static string ConnectionString { get; } =
        Environment.GetEnvironmentVariable("CDS_POSTGRES") is { Length: > 0 } cs ? cs : "Host=127.0.0.1;Port=5432;Username=cds;Password=cds;Database=cds";

    public string Name { get; } = "hookauth_" + Guid.NewGuid().ToString("N")[..12];

    public Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync()
    {
        await using var connection = new NpgsqlConnection(ConnectionString);
        await connection.OpenAsync();
        await using var drop = new NpgsqlCommand($"DROP SCHEMA IF EXISTS \"{Name}\" CASCADE", connection);
        await drop.ExecuteNonQueryAsync();
    }

    public async Task<long> CountAsync(string sqlWhere, params object[] args)
    {
        await using var connection = new NpgsqlConnection(ConnectionString);
        await connection.OpenAsync();
        await using var cmd = new NpgsqlCommand($"SELECT count(*) FROM \"{Name}\".hook_jwt_jti WHERE {sqlWhere}", connection);
        foreach (var a in args)
        {
            cmd.Parameters.Add(new NpgsqlParameter { Value = a });
        }

        return (long)(await cmd.ExecuteScalarAsync())!;
    }

    public async Task<DateTimeOffset?> ExpiryOfAsync(string tenant, string jti)
    {
        await using var connection = new NpgsqlConnection(ConnectionString);
        await connection.OpenAsync();
        await using var cmd = new NpgsqlCommand($"SELECT expires_at FROM \"{Name}\".hook_jwt_jti WHERE tenant = $1 AND jti = $2", connection);
        cmd.Parameters.Add(new NpgsqlParameter { Value = tenant });
        cmd.Parameters.Add(new NpgsqlParameter { Value = jti });
        var value = await cmd.ExecuteScalarAsync();
        return value is DateTime dt ? new DateTimeOffset(DateTime.SpecifyKind(dt, DateTimeKind.Utc)) : null;
    }
}

/// <summary>Builds the flat configuration the service reads (HookAuth, Tenants:{id}:HookAuth, ConnectionStrings:Postgres).</summary>
public sealed class HookAuthSettings
{
    private readonly Dictionary<string, string?> _values = new(StringComparer.OrdinalIgnoreCase);

    public HookAuthSettings(string replaySchema)
    {
        _values["HookAuth:Enabled"] = "true";
        _values["HookAuth:ReplaySchema"] = replaySchema;
        // These tests decide when the first JWKS download happens; the start-up prefetch has its own test.
        _values["HookAuth:PrefetchJwks"] = "false";
        _values["ConnectionStrings:Postgres"] = ReplaySchema.ConnectionString;
    }

    public const string ClientId = "c4d5e6f7-1a2b-4c3d-8e9f-0a1b2c3d4e5f";
    public const string Audience = "https://cds.example.org/cds-services";

    public HookAuthSettings Set(string key, string? value)
    {
        _values[key] = value;
        return this;
    }

    public HookAuthSettings Tenant(
        string id,
        IEnumerable<string> issuers,
        IEnumerable<string>? jkus = null,
        string? staticJwksPath = null,
        string? staticJwks = null,
        IEnumerable<string>? audiences = null,
        string clientId = ClientId,
        TimeSpan? refreshInterval = null)
    {
        var p = $"Tenants:{id}:HookAuth:";
        Array(p + "Issuers", issuers);
        Array(p + "JkuAllowlist", jkus ?? []);
        Array(p + "Audiences", audiences ?? [Audience]);
        _values[p + "StaticJwksPath"] = staticJwksPath;
        _values[p + "StaticJwks"] = staticJwks;
        _values[p + "ClientId"] = clientId;
        _values[p + "ClockSkew"] = "00:01:00";
        _values[p + "JwksRefreshInterval"] = (refreshInterval ?? TimeSpan.FromMinutes(5)).ToString("c");
        return this;
    }

    private void Array(string key, IEnumerable<string> items)
    {
        var i = 0;
        foreach (var item in items)
        {
            _values[$"{key}:{i++}"] = item;
        }
    }

    public IDictionary<string, string?> Build() => new Dictionary<string, string?>(_values);
}
