using Cds.EpicSandbox;
using Cds.EventStore;
using Cds.EventStore.Bulk;
using Cds.Fhir;
using Cds.Testing;
using Marten;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Npgsql;

namespace Cds.Bulk.Tests;

/// <summary>Real PostgreSQL (own schema), the Epic sandbox over HTTP, and worker hosts that can be dropped and replaced.</summary>
public sealed class BulkFixture : IAsyncLifetime
{
    public const string Tenant = "sandbox";

    public IsolatedInfrastructure Infra { get; } = new();

    /// <summary>Every log line of every worker host, at every level.</summary>
    public CapturedLogLines Logs { get; } = new();
    public EpicSandboxServer Sandbox { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        await Infra.InitializeAsync();
        Sandbox = await EpicSandboxServer.StartAsync(new SandboxSettings
        {
            SeedSynthea = false, ExportThrottle = TimeSpan.FromSeconds(1), ExportPollsBeforeReady = 2,
            // Epic's export carries no meta.lastUpdated: changes are found by content alone.
            TypesWithoutLastUpdated = new HashSet<string>(StringComparer.Ordinal) { "Patient", "Condition", "Observation", "MedicationRequest", "AllergyIntolerance" },
        });
        await using var host = NewHost();
        await host.Store.Storage.ApplyAllConfiguredChangesToDatabaseAsync();
    }

    public async Task DisposeAsync()
    {
        await Sandbox.DisposeAsync();
        await Infra.DisposeAsync();
    }

    /// <summary>A new worker host: its own service provider, Marten store, HTTP clients and token cache (what a restarted process has).</summary>
    public WorkerHost NewHost(Dictionary<string, string?>? overrides = null, Action<IServiceCollection>? services = null)
    {
        var values = new SandboxTenant(Tenant, Sandbox.FhirBaseUrl)
            .Scopes("system/Patient.rs", "system/Observation.rs", "system/Condition.rs", "system/Group.rs")
            .Set("Bulk:GroupId", SandboxPatients.BulkGroupId)
            .Set("Bulk:Types:0", "Patient")
            .Set("Bulk:Types:1", "Condition")
            .Set("Bulk:Types:2", "Observation")
            .Set("Bulk:DefaultPollInterval", "00:00:00.200")
            .Set("Bulk:MaxPollInterval", "00:00:02")
            .Set("Bulk:MaxCooldownWait", "00:00:10")
            .ToDictionary();
        values["ConnectionStrings:Postgres"] = Infra.Postgres;
        values["EventStore:Schema"] = Infra.Schema;
        foreach (var (k, v) in overrides ?? [])
        {
            values[k] = v;
        }

        var configuration = new ConfigurationBuilder().AddInMemoryCollection(values).Build();
        var collection = new ServiceCollection();
        collection.AddLogging(b => b.SetMinimumLevel(LogLevel.Trace).AddProvider(Logs));
        collection.AddCdsFhir(configuration);
        collection.AddSingleton<IDocumentStore>(_ => DocumentStore.For(o => EventStoreSetup.Configure(o, Infra.Postgres, new EventStoreSettings { Schema = Infra.Schema })));
        collection.AddCdsBulk(configuration);
        services?.Invoke(collection);
        return new WorkerHost(collection.BuildServiceProvider());
    }

    /// <summary>Rows of the imported-resources table for the tenant, by type.</summary>
    public async Task<Dictionary<string, long>> RowsByTypeAsync()
    {
        await using var connection = new NpgsqlConnection(Infra.Postgres);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(
            $"SELECT resource_type, count(*) FROM \"{Infra.Schema}\".{BulkExportStore.ResourcesTable} WHERE tenant = @t GROUP BY resource_type", connection);
        command.Parameters.AddWithValue("t", Tenant);
        var rows = new Dictionary<string, long>(StringComparer.Ordinal);
        await using var reader = await command.ExecuteReaderAsync();
        while (await reader.ReadAsync())
        {
            rows[reader.GetString(0)] = reader.GetInt64(1);
        }

        return rows;
    }

    private string Table => $"\"{Infra.Schema}\".{BulkExportStore.ResourcesTable}";

    /// <summary>A count query over the resources table (<c>{table}</c> in the SQL).</summary>
    public async Task<long> ScalarAsync(string sql) => Convert.ToInt64(await QueryAsync(sql));

    public async Task<string?> TextAsync(string sql) => await QueryAsync(sql) as string;

    /// <summary>"Type/id" keys of imported resources of a type, in id order.</summary>
    public async Task<List<string>> KeysAsync(string type)
    {
        await using var connection = new NpgsqlConnection(Infra.Postgres);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand($"SELECT resource_type || '/' || id FROM {Table} WHERE tenant = @t AND resource_type = @type ORDER BY id", connection);
        command.Parameters.AddWithValue("t", Tenant);
        command.Parameters.AddWithValue("type", type);
        var keys = new List<string>();
        await using var reader = await command.ExecuteReaderAsync();
        while (await reader.ReadAsync())
        {
            keys.Add(reader.GetString(0));
        }

        return keys;
    }

    private async Task<object?> QueryAsync(string sql)
    {
        await using var connection = new NpgsqlConnection(Infra.Postgres);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(sql.Replace("{table}", Table, StringComparison.Ordinal), connection);
        return await command.ExecuteScalarAsync();
    }

    public async Task ClearAsync()
    {
        Sandbox.Reset();
        await using var connection = new NpgsqlConnection(Infra.Postgres);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(
            $"TRUNCATE \"{Infra.Schema}\".{BulkExportStore.ResourcesTable}, \"{Infra.Schema}\".{BulkExportStore.SeenTable}; DELETE FROM \"{Infra.Schema}\".mt_events; DELETE FROM \"{Infra.Schema}\".mt_streams;", connection);
        await command.ExecuteNonQueryAsync();
    }

    /// <summary>Requests the sandbox received whose path contains <paramref name="fragment"/>.</summary>
    public IReadOnlyList<FhirRequestRecord> Requests(string fragment, string method = "GET") =>
        Sandbox.State.FhirRequests.Where(r => r.Method == method && r.PathAndQuery.Contains(fragment, StringComparison.Ordinal)).ToList();
}

public sealed class WorkerHost(ServiceProvider services) : IAsyncDisposable
{
    public BulkExportRunner Runner => services.GetRequiredService<BulkExportRunner>();
    public IDocumentStore Store => services.GetRequiredService<IDocumentStore>();
    public IServiceProvider Services => services;

    public async Task<IReadOnlyList<object>> EventsAsync(string exportId)
    {
        await using var session = Store.QuerySession(BulkFixture.Tenant);
        return (await session.Events.FetchStreamAsync(exportId)).Select(e => e.Data).ToList();
    }

    public ValueTask DisposeAsync() => services.DisposeAsync();
}

/// <summary>Sums the Cds.Fhir meter's long counters and counts its histogram records, by instrument.</summary>
public sealed class BulkMeterListener : IDisposable
{
    private readonly System.Diagnostics.Metrics.MeterListener _listener = new();
    private readonly System.Collections.Concurrent.ConcurrentDictionary<string, double> _sums = new();

    public BulkMeterListener()
    {
        _listener.InstrumentPublished = (instrument, listener) =>
        {
            if (instrument.Meter.Name == Cds.Fhir.FhirMetrics.MeterName && instrument.Name.StartsWith("cds.fhir.bulk.", StringComparison.Ordinal))
            {
                listener.EnableMeasurementEvents(instrument);
            }
        };
        _listener.SetMeasurementEventCallback<long>((i, v, _, _) => _sums.AddOrUpdate(i.Name, v, (_, s) => s + v));
        _listener.SetMeasurementEventCallback<double>((i, _, _, _) => _sums.AddOrUpdate(i.Name, 1, (_, s) => s + 1));
        _listener.Start();
    }

    public double this[string instrument] => _sums.TryGetValue(instrument, out var v) ? v : 0;

    public void Dispose() => _listener.Dispose();
}
