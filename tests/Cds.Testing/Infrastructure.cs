using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text;
using Npgsql;
using Testcontainers.PostgreSql;
using Testcontainers.RabbitMq;
using Xunit;

namespace Cds.Testing;

/// <summary>
/// Where the real RabbitMQ and PostgreSQL are. From the environment (<c>CDS_POSTGRES</c>, <c>CDS_RABBITMQ</c>,
/// <c>CDS_RABBITMQ_MANAGEMENT</c>, as printed by <c>infra/local/up.sh</c>); otherwise containers when a Docker engine
/// answers; otherwise a failure that says what to run.
/// </summary>
public sealed record InfrastructureEndpoints(string Postgres, Uri RabbitMq, Uri RabbitMqManagement);

public static class Infrastructure
{
    private static readonly SemaphoreSlim Gate = new(1, 1);
    private static InfrastructureEndpoints? _endpoints;

    public const string HowToStart =
        "RabbitMQ and PostgreSQL are needed. Run `eval \"$(bash infra/local/up.sh)\"` (installs and starts both locally, "
        + "exports CDS_POSTGRES, CDS_RABBITMQ, CDS_RABBITMQ_MANAGEMENT), or start a Docker engine so Testcontainers can.";

    public static async Task<InfrastructureEndpoints> GetAsync()
    {
        if (_endpoints is not null)
        {
            return _endpoints;
        }
        await Gate.WaitAsync();
        try
        {
            return _endpoints ??= await ResolveAsync();
        }
        finally
        {
            Gate.Release();
        }
    }

    private static async Task<InfrastructureEndpoints> ResolveAsync()
    {
        var pg = Environment.GetEnvironmentVariable("CDS_POSTGRES");
        var mq = Environment.GetEnvironmentVariable("CDS_RABBITMQ");
        var mgmt = Environment.GetEnvironmentVariable("CDS_RABBITMQ_MANAGEMENT");
        if (!string.IsNullOrWhiteSpace(pg) && !string.IsNullOrWhiteSpace(mq) && !string.IsNullOrWhiteSpace(mgmt))
        {
            return new InfrastructureEndpoints(pg, new Uri(mq), new Uri(mgmt));
        }

        try
        {
            var postgres = new PostgreSqlBuilder("postgres:15-alpine").WithUsername("cds").WithPassword("cds").WithDatabase("cds").Build();
            var rabbit = new RabbitMqBuilder("rabbitmq:3.13-management-alpine").WithUsername("cds").WithPassword("cds").Build();
            await Task.WhenAll(postgres.StartAsync(), rabbit.StartAsync());
            var amqp = new Uri(rabbit.GetConnectionString());
            var management = new Uri($"http://cds:cds@{rabbit.Hostname}:{rabbit.GetMappedPublicPort(15672)}/");
            return new InfrastructureEndpoints(postgres.GetConnectionString(), amqp, management);
        }
        catch (Exception ex) when (ex.GetType().Name.Contains("Docker", StringComparison.Ordinal) || ex is InvalidOperationException or HttpRequestException)
        {
            throw new InvalidOperationException(HowToStart, ex);
        }
    }
}

/// <summary>
/// A private corner of the real infrastructure for one test class: its own RabbitMQ virtual host (queues,
/// exchanges, error queues) and its own PostgreSQL schema. Deleted on dispose, so tests run in parallel and twice in a row.
/// </summary>
public sealed class IsolatedInfrastructure : IAsyncLifetime
{
    private HttpClient? _management;

    public string Name { get; } = $"t{Guid.NewGuid():N}"[..20];
    public InfrastructureEndpoints Endpoints { get; private set; } = null!;

    /// <summary>amqp URI of this class's virtual host.</summary>
    public string RabbitMq { get; private set; } = "";
    public string Postgres => Endpoints.Postgres;
    /// <summary>The Marten schema (and other tables) of this class.</summary>
    public string Schema => Name;
    public string VirtualHost => Name;
    public HttpClient Management => _management!;

    public async Task InitializeAsync()
    {
        Endpoints = await Infrastructure.GetAsync();
        _management = ManagementClient(Endpoints.RabbitMqManagement);
        var user = Uri.UnescapeDataString(Endpoints.RabbitMq.UserInfo.Split(':')[0]);
        (await _management.PutAsync($"api/vhosts/{Name}", null)).EnsureSuccessStatusCode();
        (await _management.PutAsJsonAsync($"api/permissions/{Name}/{Uri.EscapeDataString(user)}",
            new { configure = ".*", write = ".*", read = ".*" })).EnsureSuccessStatusCode();
        var builder = new UriBuilder(Endpoints.RabbitMq) { Path = "/" + Name };
        RabbitMq = builder.Uri.ToString();
    }

    public async Task DisposeAsync()
    {
        if (_management is not null)
        {
            await _management.DeleteAsync($"api/vhosts/{Name}");
            _management.Dispose();
        }
        if (Endpoints is not null)
        {
            await using var connection = new NpgsqlConnection(Endpoints.Postgres);
            await connection.OpenAsync();
            await using var drop = new NpgsqlCommand($"drop schema if exists {Schema} cascade", connection);
            await drop.ExecuteNonQueryAsync();
        }
    }

    /// <summary>Queue names and message counts in this virtual host, from the management API.</summary>
    public async Task<IReadOnlyDictionary<string, long>> QueueDepthsAsync()
    {
        var queues = await Management.GetFromJsonAsync<List<QueueInfo>>($"api/queues/{Name}") ?? [];
        return queues.ToDictionary(q => q.name, q => q.messages ?? 0);
    }

    private sealed record QueueInfo(string name, long? messages);

    public static HttpClient ManagementClient(Uri management)
    {
        var parts = management.UserInfo.Split(':', 2);
        var client = new HttpClient { BaseAddress = new Uri(management.GetLeftPart(UriPartial.Authority) + "/") };
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Basic",
            Convert.ToBase64String(Encoding.UTF8.GetBytes($"{Uri.UnescapeDataString(parts[0])}:{Uri.UnescapeDataString(parts.ElementAtOrDefault(1) ?? "")}")));
        return client;
    }
}
