using System.Net.Http.Json;
using Cds.Contracts;
using Cds.EpicSandbox;
using Cds.EventStore;
using Cds.Testing;
using Marten;
using MassTransit;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Extensions.DependencyInjection;
using Cds.Tenants;

namespace Cds.WriteBack.Tests;

/// <summary>
/// Real RabbitMQ (own vhost) + PostgreSQL (own schema) + the Epic sandbox over HTTP, and the write-back service as a
/// real host (relay daemon, consumers, FHIR client). Hosts can be started, stopped and replaced (crash tests).
/// </summary>
public sealed class WriteBackFixture : IAsyncLifetime
{
    public const string Tenant = "sandbox";
    /// <summary>A tenant whose Epic is configured but whose write-back is off (the default).</summary>
    public const string QuietTenant = "quiet";

    public IsolatedInfrastructure Infra { get; } = new();
    public EpicSandboxServer Sandbox { get; private set; } = null!;
    public WebApplicationFactory<FeedbackRecordedConsumer> Host { get; private set; } = null!;

    /// <summary>A store of our own on the same schema, independent of the hosts that come and go.</summary>
    public IDocumentStore Store { get; private set; } = null!;
    public IBus Bus => Host.Services.GetRequiredService<IBus>();
    private bool _hostRunning;
    public bool HostRunning => _hostRunning;

    public async Task InitializeAsync()
    {
        await Infra.InitializeAsync();
        Sandbox = await EpicSandboxServer.StartAsync();
        Host = StartHost();
        _hostRunning = true;
        Store = DocumentStore.For(o => EventStoreSetup.Configure(o, Infra.Postgres, new EventStoreSettings { Schema = Infra.Schema }));
    }

    /// <summary>A new write-back host on this fixture's infrastructure (started before it returns).</summary>
    public WebApplicationFactory<FeedbackRecordedConsumer> StartHost(Action<IServiceCollection>? services = null)
    {
        var factory = new WebApplicationFactory<FeedbackRecordedConsumer>().WithWebHostBuilder(b =>
        {
            b.UseEnvironment("Development");
            foreach (var (key, value) in Settings())
            {
                b.UseSetting(key, value);
            }
            if (services is not null)
            {
                b.ConfigureTestServices(services);
            }
        });
        _ = factory.Server;
        return factory;
    }

    /// <summary>Stops the current host (a dying worker: in-flight messages stay unacknowledged).</summary>
    public async Task StopHostAsync()
    {
        if (_hostRunning)
        {
            _hostRunning = false;
            await Host.DisposeAsync();
        }
    }

    /// <summary>
    /// Closes every broker connection of this vhost, as the broker does when a worker process dies: its unacknowledged
    /// messages go back to their queues. (A stopped host whose consumer is stuck keeps its connection otherwise.)
    /// </summary>
    public Task KillBrokerConnectionsAsync() => Eventually.UntilAsync(async () =>
    {
        var connections = await Infra.Management.GetFromJsonAsync<List<ConnectionInfo>>($"api/vhosts/{Infra.VirtualHost}/connections") ?? [];
        foreach (var c in connections)
        {
            await Infra.Management.DeleteAsync($"api/connections/{Uri.EscapeDataString(c.name)}");
        }
        return connections.Count == 0;
    }, () => "broker connections of the test vhost did not close", TimeSpan.FromSeconds(60), TimeSpan.FromMilliseconds(500));

    private sealed record ConnectionInfo(string name);

    public async Task ReplaceHostAsync(WebApplicationFactory<FeedbackRecordedConsumer> next)
    {
        await StopHostAsync();
        Host = next;
        _hostRunning = true;
    }

    /// <summary>
    /// The write-back service as a separate process (<c>dotnet Cds.WriteBack.dll</c>) on this fixture's settings, so
    /// a test can kill it for real. Its console output is kept for diagnostics.
    /// </summary>
    public ServiceProcess StartWorkerProcess()
    {
        var environment = new Dictionary<string, string> { ["ASPNETCORE_ENVIRONMENT"] = "Development" };
        foreach (var (key, value) in Settings())
        {
            environment[key.Replace(":", "__", StringComparison.Ordinal)] = value;
        }
        return ServiceProcess.Start("writeback", Path.Combine(AppContext.BaseDirectory, "Cds.WriteBack.dll"), ServiceProcess.FreePort(), environment);
    }

    private IEnumerable<(string, string)> Settings()
    {
        yield return ("ConnectionStrings:Postgres", Infra.Postgres);
        yield return ("ConnectionStrings:RabbitMq", Infra.RabbitMq);
        yield return ("EventStore:Schema", Infra.Schema);
        // The write-back endpoint's own schedule (3 retries) replaces the exponential RetryLimit (2) of the others.
        yield return ("Bus:RetryLimit", "2");
        yield return ("Bus:RetryMinInterval", "00:00:00.100");
        yield return ("Bus:RetryMaxInterval", "00:00:00.500");
        yield return ("Bus:RetrySchedules:" + FeedbackRecordedConsumer.Endpoint, "00:00:00.100,00:00:00.200,00:00:00.300");
        yield return ("Bus:StopTimeout", "00:00:02");
        foreach (var tenant in new[] { Tenant, QuietTenant })
        {
            var settings = new SandboxTenant(tenant, Sandbox.FhirBaseUrl).Scopes("system/Patient.r", "system/DocumentReference.c")
                .Set("Search:UseCapabilityStatement", "false")
                .Set("Resilience:MaxRetryAttempts", "3")
                .Set("Resilience:RetryBaseDelay", "00:00:00.050")
                .Set("Resilience:MaxRetryDelay", "00:00:02")
                // The per-tenant breaker is Cds.Fhir's (tested there); here it must not carry one test's failures into the next.
                .Set("Resilience:BreakerMinimumThroughput", "1000");
            foreach (var (key, value) in settings.Values)
            {
                yield return (key, value!);
            }
        }
        yield return ($"Tenants:{Tenant}:WriteBack:Enabled", "true");
        yield return ($"Tenants:{Tenant}:WriteBack:Triggers:0", nameof(WriteBackTrigger.OverrideOfCritical));
        yield return ($"Tenants:{Tenant}:WriteBack:Triggers:1", nameof(WriteBackTrigger.AcceptedSuggestion));
    }

    /// <summary>Records a hook that returned <paramref name="card"/> for a sandbox patient, as the hooks and enrichment services do.</summary>
    public async Task<string> SeedHookAsync(Card card, string tenant = Tenant, string patientId = SandboxPatients.PenicillinAllergic)
    {
        var hookInstance = Guid.NewGuid().ToString();
        await using var session = Store.LightweightSession(tenant);
        session.Events.Append(hookInstance,
            new HookReceived(tenant, hookInstance, HookNames.OrderSign, "drug-allergy-order-sign", patientId, "enc-1001",
                "PractitionerRole/pr-12", TestData.At, ["patient"]),
            new EnrichmentCompleted(hookInstance, patientId, [card], [TestData.FindingFor(card, flag: false)], ["drug-allergy@3"], TestData.At, false),
            new CardsReturned([card], 42, false, TestData.At, CardSources.Live));
        await session.SaveChangesAsync();
        return hookInstance;
    }

    /// <summary>Appends the feedback to the hook's stream (what the hooks service does); the relay takes it from there.</summary>
    public async Task<Guid> AppendFeedbackAsync(string tenant, string hookInstance, Card card, string outcome, string patientId = SandboxPatients.PenicillinAllergic)
    {
        var f = TestData.Feedback(card, outcome, tenant, hookInstance, patientId: patientId);
        await using var session = Store.LightweightSession(tenant);
        session.Events.Append(hookInstance, new FeedbackReceived(tenant, hookInstance, f.ServiceId, f.CardUuid, f.Outcome,
            f.AcceptedSuggestions, f.OverrideReasons, f.UserComment, f.OutcomeTimestamp, f.IdempotencyKey, patientId,
            f.TopicCode, f.Indicator, TestData.At));
        await session.SaveChangesAsync();
        var events = await session.Events.FetchStreamAsync(hookInstance);
        return events.Last(e => e.Data is FeedbackReceived).Id;
    }

    public async Task<HookTimeline?> TimelineAsync(string tenant, string hookInstance)
    {
        await using var session = Store.QuerySession(tenant);
        return await session.LoadAsync<HookTimeline>(hookInstance);
    }

    /// <summary>Polls the hook's timeline until <paramref name="done"/> holds (90 s at most; a slow machine only makes it wait longer).</summary>
    public async Task<HookTimeline> WaitForTimelineAsync(string tenant, string hookInstance, Func<HookTimeline, bool> done, TimeSpan? timeout = null)
    {
        HookTimeline? last = null;
        return await Eventually.WaitForAsync(async () => (last = await TimelineAsync(tenant, hookInstance)) is { } t && done(t) ? t : null,
            () => Task.FromResult("Timeline did not reach the expected state; entries: " +
                string.Join(" | ", last?.Entries.Select(e => $"{e.What}: {e.Detail}") ?? [])),
            timeout, TimeSpan.FromMilliseconds(100));
    }

    /// <summary>Waits until every queue of this vhost is empty (all published messages consumed and acknowledged).</summary>
    public Task WaitForQueuesDrainedAsync(string queuePrefix = "writeback-feedback-recorded") => Eventually.UntilAsync(async () =>
    {
        // The management API refreshes its counters every few seconds: require two empty readings apart.
        var depths = await Infra.QueueDepthsAsync();
        if (!depths.Any(d => d.Key == queuePrefix) || depths.Where(d => d.Key == queuePrefix).Any(d => d.Value != 0))
        {
            return false;
        }
        await Task.Delay(5500);
        return (await Infra.QueueDepthsAsync()).Where(d => d.Key == queuePrefix).All(d => d.Value == 0);
    }, () => $"Queue {queuePrefix} did not drain", interval: TimeSpan.FromMilliseconds(250));

    public async Task DisposeAsync()
    {
        await StopHostAsync();
        Store.Dispose();
        await Sandbox.DisposeAsync();
        await Infra.DisposeAsync();
    }
}
