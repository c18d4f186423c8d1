using Cds.EpicSandbox;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;

namespace Cds.Testing;

/// <summary>
/// The one way tests boot the platform: an isolated RabbitMQ virtual host and PostgreSQL schema, one Epic sandbox per
/// tenant (real Kestrel, in this process) with the tenant's settings as <see cref="SandboxTenant"/> writes them, and the
/// services — in this process or each in its own, as <see cref="Hosting"/> says. Every service gets the same
/// <see cref="Settings"/>; a suite changes a tenant (<see cref="Tenant"/>), adds settings for all services
/// (<see cref="Common"/>) or for one (the <c>extra</c> of the start methods). Disposing stops what it started and
/// deletes the vhost, the schema and the jti replay schema.
/// </summary>
public sealed class PlatformBoot : IAsyncDisposable
{
    private readonly List<IAsyncDisposable> _started = [];
    private readonly Dictionary<string, EpicSandboxServer> _sandboxes = [];
    private readonly Dictionary<string, SandboxTenant> _tenants = [];

    private PlatformBoot(PlatformHosting hosting) => Hosting = hosting;

    public PlatformHosting Hosting { get; }
    public IsolatedInfrastructure Infra { get; } = new();

    /// <summary>Settings of every service besides the infrastructure and the tenants (':' separated keys).</summary>
    public Dictionary<string, string?> Common { get; } = new(StringComparer.OrdinalIgnoreCase);

    /// <summary>The Epic of <paramref name="tenant"/>.</summary>
    public EpicSandboxServer Sandbox(string tenant) => _sandboxes[tenant];

    /// <summary>The settings of <paramref name="tenant"/>, to change before a service starts.</summary>
    public SandboxTenant Tenant(string tenant) => _tenants[tenant];

    /// <summary>The infrastructure and one sandbox (with its tenant) per name in <paramref name="tenants"/>; no service yet.</summary>
    public static async Task<PlatformBoot> StartAsync(PlatformHosting hosting, params string[] tenants)
    {
        var boot = new PlatformBoot(hosting);
        try
        {
            await boot.Infra.InitializeAsync();
            foreach (var tenant in tenants)
            {
                var sandbox = await EpicSandboxServer.StartAsync();
                boot._sandboxes[tenant] = sandbox;
                boot._tenants[tenant] = SandboxTenant.Of(sandbox, tenant);
            }
            return boot;
        }
        catch
        {
            await boot.DisposeAsync();
            throw;
        }
    }

    /// <summary>What a service reads: the infrastructure, every tenant, <see cref="Common"/>, then <paramref name="extra"/> (the later wins).</summary>
    public Dictionary<string, string?> Settings(IReadOnlyDictionary<string, string?>? extra = null)
    {
        var settings = new Dictionary<string, string?>(StringComparer.OrdinalIgnoreCase)
        {
            ["ConnectionStrings:Postgres"] = Infra.Postgres,
            ["ConnectionStrings:RabbitMq"] = Infra.RabbitMq,
            ["EventStore:Schema"] = Infra.Schema,
            ["HookAuth:ReplaySchema"] = ReplaySchema,
        };
        foreach (var (key, value) in _tenants.Values.SelectMany(t => t.Values).Concat(Common).Concat(extra ?? new Dictionary<string, string?>()))
        {
            settings[key] = value;
        }
        return settings;
    }

    /// <summary>An in-process host of the service whose entry assembly holds <typeparamref name="TEntryPoint"/>, on
    /// <see cref="Settings"/>; it starts on first use (<c>Server</c>, <c>CreateClient</c>, or Kestrel with <c>UseKestrel</c>).</summary>
    public WebApplicationFactory<TEntryPoint> Host<TEntryPoint>(IReadOnlyDictionary<string, string?>? extra = null,
        Action<IServiceCollection>? testServices = null) where TEntryPoint : class
    {
        Require(PlatformHosting.InProcess);
        var factory = new WebApplicationFactory<TEntryPoint>().WithWebHostBuilder(b =>
        {
            b.UseEnvironment("Development");
            if (testServices is not null)
            {
                b.ConfigureTestServices(testServices);
            }
            foreach (var (key, value) in Settings(extra))
            {
                b.UseSetting(key, value);
            }
        });
        _started.Add(factory);
        return factory;
    }

    /// <summary>Starts <paramref name="service"/> in a child process on <see cref="Settings"/> and waits until it is ready.</summary>
    public async Task<ServiceProcess> StartAsync(PlatformService service, IReadOnlyDictionary<string, string?>? extra = null,
        string? name = null, int? port = null, bool keepAllOutput = true, CancellationToken ct = default)
    {
        var process = Start(service, extra, name, port, keepAllOutput);
        await process.WaitReadyAsync(service.ReadyPath, TimeSpan.FromSeconds(90), ct);
        return process;
    }

    /// <summary>Starts <paramref name="service"/> in a child process without waiting (<see cref="ServiceProcess.WaitReadyAsync(string, TimeSpan, CancellationToken)"/>
    /// with its <see cref="PlatformService.ReadyPath"/> does).</summary>
    public ServiceProcess Start(PlatformService service, IReadOnlyDictionary<string, string?>? extra = null,
        string? name = null, int? port = null, bool keepAllOutput = true) =>
        StartDll(name ?? service.Project, service.Dll(), extra, port, service.Arguments, keepAllOutput);

    /// <summary>Starts a program other than the platform's services (a benchmark baseline) in a child process on <see cref="Settings"/>.</summary>
    public ServiceProcess StartDll(string name, string dll, IReadOnlyDictionary<string, string?>? extra = null, int? port = null,
        IEnumerable<string>? args = null, bool keepAllOutput = true)
    {
        Require(PlatformHosting.ChildProcesses);
        var environment = new Dictionary<string, string>
        {
            ["DOTNET_ENVIRONMENT"] = "Production",
            ["ASPNETCORE_ENVIRONMENT"] = "Production",
        };
        foreach (var (key, value) in Settings(extra).Where(kv => kv.Value is not null))
        {
            environment[key.Replace(":", "__", StringComparison.Ordinal)] = value!;
        }
        var process = ServiceProcess.Start(name, dll, port ?? ServiceProcess.FreePort(), environment, args, keepAllOutput);
        _started.Add(process);
        return process;
    }

    /// <summary>The schema of the hooks service's jti replay table (one of its own, next to the event store's).</summary>
    private string ReplaySchema => Infra.Schema + "_jti";

    private void Require(PlatformHosting hosting)
    {
        if (Hosting != hosting)
        {
            throw new InvalidOperationException($"this platform runs its services {Hosting}, not {hosting}");
        }
    }

    public async ValueTask DisposeAsync()
    {
        for (var i = _started.Count - 1; i >= 0; i--)
        {
            await _started[i].DisposeAsync();
        }
        foreach (var sandbox in _sandboxes.Values)
        {
            await sandbox.DisposeAsync();
        }
        if (Infra.Endpoints is not null)
        {
            try
            {
                await using var connection = new NpgsqlConnection(Infra.Postgres);
                await connection.OpenAsync();
                await using var drop = new NpgsqlCommand($"drop schema if exists \"{ReplaySchema}\" cascade", connection);
                await drop.ExecuteNonQueryAsync();
            }
            catch (NpgsqlException)
            {
                // The database is down (an outage scenario ended badly): the vhost and schema go below as far as they can.
            }
        }
        try
        {
            await Infra.DisposeAsync();
        }
        catch (Exception ex) when (ex is NpgsqlException or HttpRequestException or InvalidOperationException)
        {
            // Same: what is left carries this boot's name (Infra.Name) as its vhost and schema.
        }
    }
}
