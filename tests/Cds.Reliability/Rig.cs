using System.Net.Http.Headers;
using System.Text;
using System.Text.Json.Nodes;
using Cds.EpicSandbox;
using Cds.Testing;
using Npgsql;

namespace Cds.Reliability;

/// <summary>
/// The platform under test (<see cref="PlatformBoot"/>, child processes): an isolated vhost + schema on the real RabbitMQ and PostgreSQL, two Epic sandboxes in this
/// process (tenant <c>alpha</c> and tenant <c>beta</c>, each its own issuer, JWKS and FHIR server), and the hooks,
/// enrichment, write-back and ops services as child processes on loopback ports of their own.
/// </summary>
public sealed class Rig : IAsyncDisposable
{
    public const string Alpha = "alpha";
    public const string Beta = "beta";
    public const string OpsUser = "ops";
    public static readonly string OpsPassword = "rel-" + Guid.NewGuid().ToString("N")[..12];

    private readonly List<ServiceProcess> _retired = [];
    private PlatformBoot? _boot;
    public string RepoRoot { get; }
    public IsolatedInfrastructure Infra => Boot.Infra;
    public EpicSandboxServer SandboxA => Boot.Sandbox(Alpha);
    public EpicSandboxServer SandboxB => Boot.Sandbox(Beta);
    public ServiceProcess Hooks { get; private set; } = null!;
    public ServiceProcess Enrichment { get; private set; } = null!;
    public ServiceProcess WriteBack { get; private set; } = null!;
    public ServiceProcess? Ops { get; private set; }
    public EpicHookDriver DriverA { get; private set; } = null!;
    public EpicHookDriver DriverB { get; private set; } = null!;
    public TimeSpan Deadline { get; } = TimeSpan.FromMilliseconds(1200);
    public HttpClient Http { get; } = new(new SocketsHttpHandler { MaxConnectionsPerServer = 128 }) { Timeout = TimeSpan.FromSeconds(30) };

    public Rig(string repoRoot) => RepoRoot = repoRoot;

    /// <summary>The shared boot (tests/Cds.Testing), each service a child process.</summary>
    private PlatformBoot Boot => _boot ?? throw new InvalidOperationException("the rig is not started");

    public async Task StartAsync(bool withOps)
    {
        _boot = await PlatformBoot.StartAsync(PlatformHosting.ChildProcesses, Alpha, Beta);
        var hooksPort = ServiceProcess.FreePort();
        var hooksBase = new Uri($"http://127.0.0.1:{hooksPort}/cds-services/");

        Boot.Common["Logging:LogLevel:Default"] = "Information";
        Boot.Common["Logging:LogLevel:Microsoft.AspNetCore"] = "Warning";
        Boot.Common["Bus:StopTimeout"] = "00:00:02";
        Boot.Common["Hooks:Deadline"] = "00:00:01.200";
        foreach (var tenant in new[] { Alpha, Beta })
        {
            Boot.Tenant(tenant).Set("Name", $"Reliability tenant {tenant}")
                .Set("WriteBack:Enabled", "true").Set("WriteBack:Triggers:0", "OverrideOfCritical")
                .Set("HookAuth:Audiences:0", hooksBase.ToString().TrimEnd('/'))
                // Short, bounded Epic retries and a breaker that trips within a scenario.
                .Set("Resilience:MaxRetryAttempts", "3")
                .Set("Resilience:RetryBaseDelay", "00:00:00.100")
                .Set("Resilience:MaxRetryDelay", "00:00:05")
                .Set("Resilience:AttemptTimeout", "00:00:02")
                .Set("Resilience:TotalTimeout", "00:00:15")
                .Set("Resilience:BreakerMinimumThroughput", "5")
                .Set("Resilience:BreakerSamplingDuration", "00:00:10")
                .Set("Resilience:BreakerBreakDuration", "00:00:03");
        }

        // Tenant beta is a small site with its own hook rate limit (the security scenario bursts past it); alpha keeps
        // the service default (100/s, burst 200), so the bad-input corpus and the load scenarios are never limited.
        Boot.Tenant(Beta).Set("RateLimit:PermitsPerSecond", "10").Set("RateLimit:Burst", "20");

        Enrichment = await Boot.StartAsync(PlatformService.Enrichment, name: "enrichment");
        WriteBack = Boot.Start(PlatformService.WriteBack, name: "writeback");
        Hooks = Boot.Start(PlatformService.Hooks, name: "hooks", port: hooksPort);
        if (withOps)
        {
            Ops = Boot.Start(PlatformService.Ops, new Dictionary<string, string?>
            {
                ["Ops:DashboardUser"] = OpsUser,
                ["Ops:DashboardPassword"] = OpsPassword,
                ["RabbitMq:Management"] = Infra.Endpoints.RabbitMqManagement.ToString(),
            }, name: "ops");
        }
        await Task.WhenAll(WriteBack.WaitReadyAsync(PlatformService.WriteBack.ReadyPath, TimeSpan.FromSeconds(90)),
            Hooks.WaitReadyAsync(PlatformService.Hooks.ReadyPath, TimeSpan.FromSeconds(90)),
            Ops?.WaitReadyAsync(PlatformService.Ops.ReadyPath, TimeSpan.FromSeconds(90)) ?? Task.CompletedTask);

        DriverA = new EpicHookDriver(SandboxA, hooksBase, Http);
        DriverB = new EpicHookDriver(SandboxB, hooksBase, Http);
    }

    /// <summary>kill -9 the enrichment or write-back service, then start a fresh one on the same settings.</summary>
    public async Task<ServiceProcess> KillAndRestartAsync(string which, Action? whileDown = null)
    {
        var old = which == "enrichment" ? Enrichment : WriteBack;
        old.KillHard();
        _retired.Add(old);
        whileDown?.Invoke();
        var fresh = Boot.Start(which == "enrichment" ? PlatformService.Enrichment : PlatformService.WriteBack, name: $"{which}-{_retired.Count + 1}");
        if (which == "enrichment")
        {
            Enrichment = fresh;
        }
        else
        {
            WriteBack = fresh;
        }
        await fresh.WaitReadyAsync("health/ready", TimeSpan.FromSeconds(90));
        return fresh;
    }

    public IEnumerable<ServiceProcess> AllProcesses() =>
        new[] { Hooks, Enrichment, WriteBack, Ops }.Where(p => p is not null).Cast<ServiceProcess>().Concat(_retired);

    public bool AnyCrashed(out string which)
    {
        var crashed = new[] { Hooks, Enrichment, WriteBack }.Where(p => p.HasExited).Select(p => p.Name).ToList();
        which = string.Join(",", crashed);
        return crashed.Count > 0;
    }

    /// <summary>POSTs raw bytes to a hook service with a JWT signed by tenant alpha's Epic.</summary>
    public async Task<(int Status, double Ms)> PostRawAsync(string serviceId, byte[] body, string? jwt = null, string contentType = "application/json")
    {
        var url = new Uri(DriverA.CdsServicesBaseUrl, serviceId);
        using var message = new HttpRequestMessage(HttpMethod.Post, url) { Content = new ByteArrayContent(body) };
        message.Content.Headers.ContentType = MediaTypeHeaderValue.Parse(contentType);
        message.Headers.Authorization = new AuthenticationHeaderValue("Bearer", jwt ?? DriverA.SignHookJwt(url.ToString()));
        var started = System.Diagnostics.Stopwatch.GetTimestamp();
        try
        {
            using var response = await Http.SendAsync(message);
            await response.Content.ReadAsByteArrayAsync();
            return ((int)response.StatusCode, System.Diagnostics.Stopwatch.GetElapsedTime(started).TotalMilliseconds);
        }
        catch (Exception ex) when (ex is HttpRequestException or TaskCanceledException)
        {
            return (0, System.Diagnostics.Stopwatch.GetElapsedTime(started).TotalMilliseconds);
        }
    }

    /// <summary>One order-select for a penicillin-allergic patient with amoxicillin drafted; returns status, time and the critical card (if any).</summary>
    public async Task<HookCall> OrderSelectAsync(EpicHookDriver driver, string? hookInstance = null, string patient = SandboxPatients.PenicillinAllergic,
        IReadOnlyList<string>? prefetchKeys = null, bool fhirAuthorization = true)
    {
        var body = driver.BuildOrderSelect(patient, [DraftMedication.Amoxicillin],
            new HookOptions { PrefetchKeys = prefetchKeys, IncludeFhirAuthorization = fhirAuthorization });
        if (hookInstance is not null)
        {
            body["hookInstance"] = hookInstance;
        }
        var instance = body["hookInstance"]!.GetValue<string>();
        var started = System.Diagnostics.Stopwatch.GetTimestamp();
        try
        {
            using var response = await driver.SendAsync("cds-order-select", body);
            var text = await response.Content.ReadAsStringAsync();
            var ms = System.Diagnostics.Stopwatch.GetElapsedTime(started).TotalMilliseconds;
            JsonArray cards = [];
            if (response.IsSuccessStatusCode && JsonNode.Parse(text)?["cards"] is JsonArray c)
            {
                cards = c;
            }
            var critical = cards.FirstOrDefault(x => x?["indicator"]?.GetValue<string>() == "critical")?["uuid"]?.GetValue<string>();
            return new HookCall(instance, (int)response.StatusCode, ms, cards.Count, critical);
        }
        catch (Exception ex) when (ex is HttpRequestException or TaskCanceledException)
        {
            // 0 = no answer at all (connection dropped, or nothing within the client's 30 s).
            return new HookCall(instance, 0, System.Diagnostics.Stopwatch.GetElapsedTime(started).TotalMilliseconds, 0, null);
        }
    }

    public async Task<int> FeedbackAsync(EpicHookDriver driver, string cardUuid, string outcome = "overridden")
    {
        try
        {
            using var response = await driver.SendFeedbackAsync("cds-order-select",
                driver.BuildFeedback(cardUuid, outcome, FeedbackShape.Epic, overrideReasonCode: "benefit", overrideReasonDisplay: "Benefit outweighs risk"));
            return (int)response.StatusCode;
        }
        catch (Exception ex) when (ex is HttpRequestException or TaskCanceledException)
        {
            return 0;
        }
    }

    /// <summary>Counts rows in this run's schema (null when the store does not answer).</summary>
    public async Task<long?> ScalarAsync(string sql, params (string Name, object Value)[] parameters)
    {
        try
        {
            await using var connection = new NpgsqlConnection(Infra.Postgres);
            await connection.OpenAsync();
            await using var command = new NpgsqlCommand(sql.Replace("{schema}", Infra.Schema, StringComparison.Ordinal), connection);
            foreach (var (name, value) in parameters)
            {
                command.Parameters.AddWithValue(name, value);
            }
            var result = await command.ExecuteScalarAsync();
            return result is null or DBNull ? 0 : Convert.ToInt64(result, System.Globalization.CultureInfo.InvariantCulture);
        }
        catch (NpgsqlException)
        {
            return null;
        }
    }

    /// <summary>Notes Epic created per write-back identifier (sandbox A or B).</summary>
    public static Dictionary<string, int> CreatedByIdentifier(EpicSandboxServer sandbox) =>
        sandbox.State.Writes.Where(w => w.Outcome == WriteOutcome.Created)
            .SelectMany(w => w.Identifiers).GroupBy(i => i).ToDictionary(g => g.Key, g => g.Count());

    public async Task<string> MetricsAsync(ServiceProcess service)
    {
        try
        {
            return await Http.GetStringAsync(new Uri(service.Url, "metrics"));
        }
        catch (HttpRequestException)
        {
            return "";
        }
    }

    public async ValueTask DisposeAsync()
    {
        var logs = Path.Combine(RepoRoot, "artifacts", "reliability");
        foreach (var p in AllProcesses())
        {
            p.SaveLog(logs);
            await p.DisposeAsync();
        }
        if (_boot is not null)
        {
            await _boot.DisposeAsync();
        }
        Http.Dispose();
    }
}

public sealed record HookCall(string HookInstance, int Status, double Ms, int Cards, string? CriticalCard);
