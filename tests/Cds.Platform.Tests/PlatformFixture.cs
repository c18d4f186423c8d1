using Cds.EpicSandbox;
using Cds.Enrichment.Consumers;
using Cds.Hooks;
using Cds.Testing;
using Marten;
using Marten.Events;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Npgsql;

namespace Cds.Platform.Tests;

/// <summary>
/// The platform in one process on real infrastructure (<see cref="PlatformBoot"/>, in process): the local Epic sandbox (real Kestrel), the enrichment worker
/// and the hooks service, on this fixture's own RabbitMQ virtual host and PostgreSQL schema. Epic's calls are signed
/// by the sandbox's hook driver exactly as Epic signs them, and verified by the hooks service's real JWT check.
/// </summary>
public class PlatformFixture : IAsyncLifetime
{
    public const string Tenant = "sandbox";

    /// <summary>The shared boot (tests/Cds.Testing), services in this process.</summary>
    public PlatformBoot Boot { get; private set; } = null!;
    public IsolatedInfrastructure Infra => Boot.Infra;
    public EpicSandboxServer Sandbox => Boot.Sandbox(Tenant);
    public WebApplicationFactory<EvaluateHookConsumer> Enrichment { get; private set; } = null!;
    public WebApplicationFactory<HookPipeline> Hooks { get; private set; } = null!;

    /// <summary>Extra settings of the hooks service (e.g. a short deadline).</summary>
    protected virtual IReadOnlyDictionary<string, string> HookSettings => new Dictionary<string, string>();

    protected virtual IReadOnlyDictionary<string, string> EnrichmentSettings => new Dictionary<string, string>();

    /// <summary>Test-only services of both hosts (e.g. a log capture or a consume observer).</summary>
    protected virtual void ConfigureTestServices(IServiceCollection services) { }

    public virtual async Task InitializeAsync()
    {
        Boot = await PlatformBoot.StartAsync(PlatformHosting.InProcess, Tenant);
        Boot.Tenant(Tenant).Set("HookAuth:Audiences:0", "http://localhost/cds-services");
        Enrichment = Boot.Host<EvaluateHookConsumer>(Nullable(EnrichmentSettings), ConfigureTestServices);
        _ = Enrichment.Server; // started first: its queue exists before the first hook
        Hooks = Boot.Host<HookPipeline>(Nullable(new Dictionary<string, string>
        {
            // A loaded 2-core CI machine must not turn functional tests into deadline tests; those set their own.
            ["Hooks:Deadline"] = "00:00:20", // (the service accepts less than 30 s)
        }.Concat(HookSettings).GroupBy(kv => kv.Key).ToDictionary(g => g.Key, g => g.Last().Value)), ConfigureTestServices);
        StartHooks();
    }

    /// <summary>Starts the hooks service: in memory (TestServer) here; a fixture that needs real Kestrel overrides it.</summary>
    protected virtual void StartHooks() => _ = Hooks.Server;

    private static Dictionary<string, string?> Nullable(IReadOnlyDictionary<string, string> settings) =>
        settings.ToDictionary(kv => kv.Key, kv => (string?)kv.Value);

    /// <summary>Runs the async daemon (Solo) on this fixture's store until its projections are caught up, then reads
    /// them in a query session of the fixture's tenant.</summary>
    public async Task ReadCaughtUpProjectionsAsync(Func<IQuerySession, Task> read)
    {
        var builder = Microsoft.Extensions.Hosting.Host.CreateApplicationBuilder();
        builder.Configuration.AddInMemoryCollection(TenantSettings());
        Cds.EventStore.EventStoreSetup.AddCdsEventStore(builder.Services, builder.Configuration).AddAsyncDaemon(JasperFx.Events.Daemon.DaemonMode.Solo);
        using var daemonHost = builder.Build();
        await daemonHost.StartAsync();
        try
        {
            var store = daemonHost.Services.GetRequiredService<IDocumentStore>();
            await store.WaitForNonStaleProjectionDataAsync(TimeSpan.FromSeconds(60));
            await using var session = store.QuerySession(Tenant);
            await read(session);
        }
        finally
        {
            await daemonHost.StopAsync();
        }
    }

    /// <summary>Infrastructure and the sandbox tenant, as the tenants file of a deployment would give them.</summary>
    public Dictionary<string, string?> TenantSettings() => Boot.Settings();

    /// <summary>A driver that calls the in-process hooks service the way Epic would.</summary>
    public EpicHookDriver Driver()
    {
        var http = Hooks.CreateClient();
        return new EpicHookDriver(Sandbox, new Uri(http.BaseAddress!, "cds-services/"), http);
    }

    public IDocumentStore Store => Hooks.Services.GetRequiredService<IDocumentStore>();

    /// <summary>
    /// Takes INSERT on this fixture's event table (<c>mt_events</c>) away from the services' database user until the
    /// result is disposed: every append to a stream fails with PostgreSQL's insufficient_privilege (42501) while reads
    /// go on — a store that refuses writes.
    /// </summary>
    public async Task<IAsyncDisposable> RevokeEventInsertsAsync()
    {
        await ExecuteSqlAsync($"revoke insert on {Infra.Schema}.mt_events from current_user");
        return new Restore(() => ExecuteSqlAsync($"grant insert on {Infra.Schema}.mt_events to current_user"));
    }

    /// <summary>One statement on this fixture's database as the services' user (the tests' own connection).</summary>
    public async Task ExecuteSqlAsync(string sql)
    {
        await using var connection = new NpgsqlConnection(Infra.Postgres);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(sql, connection);
        await command.ExecuteNonQueryAsync();
    }

    private sealed class Restore(Func<Task> restore) : IAsyncDisposable
    {
        public async ValueTask DisposeAsync() => await restore();
    }

    public virtual async Task DisposeAsync() => await Boot.DisposeAsync();
}
