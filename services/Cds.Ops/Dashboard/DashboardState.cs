using Cds.EventStore;
using Cds.EventStore.RuleOutcomes;
using Cds.Ops.Rules;
using Cds.Ops.Rabbit;
using Cds.Ops.Tenants;
using Cds.Ops.Timeline;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Cds.Ops.Dashboard;

public sealed record HookRow(DateTimeOffset ReceivedAt, string Tenant, string Hook, string HookInstance, double? LatencyMs, int Cards, string? Source, bool DeadlineMissed);

public sealed record MinuteBucket(DateTimeOffset Minute, int Count, double? P95Ms);

public sealed record HooksPanel(IReadOnlyList<HookStats> Stats, IReadOnlyList<MinuteBucket> PerMinute, IReadOnlyList<HookRow> Recent);

public sealed record QueuesPanel(string VirtualHost, IReadOnlyList<QueueStatus> Queues, long ErrorMessages);

public sealed record WriteBacksPanel(string Source, IReadOnlyList<RecentWriteBack> Items);

/// <summary>One rule's bars over the panel's window: cards fired, accepted, overridden and silent ("would have fired"), and why overridden.</summary>
public sealed record RuleBar(string RuleId, IReadOnlyList<string> Versions, long Fired, long Shown, long Accepted, long Overridden, long Silent,
    IReadOnlyList<ReasonCount> OverrideReasons);

public sealed record RulesPanel(int Days, IReadOnlyList<RuleBar> Rules);

/// <summary>A tenant's last population run: when, how many patients, and patients with a gap per rule.</summary>
public sealed record PopulationRunRow(string Tenant, string RunId, DateTimeOffset At, string? ExportId, long Patients, long PatientsWithGaps,
    IReadOnlyDictionary<string, long> GapsByRule);

public sealed record PopulationPanel(IReadOnlyList<PopulationRunRow> Runs);

public sealed record TenantHealth(string Tenant, bool Healthy, DateTimeOffset? CheckedAt, IReadOnlyList<TenantCheckLine> Lines);

/// <summary>What <c>/api/state</c> answers: one snapshot of the platform, each panel with its own error.</summary>
public sealed record DashboardSnapshot(
    DateTimeOffset At,
    int WindowMinutes,
    int RefreshSeconds,
    HooksPanel? Hooks,
    QueuesPanel? Queues,
    WriteBacksPanel? WriteBacks,
    IReadOnlyList<TenantHealth> Tenants,
    RulesPanel? Rules,
    PopulationPanel? Population,
    IReadOnlyDictionary<string, string> Problems);

/// <summary>Builds the dashboard's snapshot from the event store, the management API and the tenant checks.</summary>
public sealed partial class DashboardState(
    IOptions<OpsSettings> options,
    IConfiguration configuration,
    OpsEventStore store,
    ManagementClient management,
    TenantHealthCache tenants,
    TimeProvider clock,
    ILogger<DashboardState> logger)
{
    private const int MaxTimelines = 5000;

    public async Task<DashboardSnapshot> SnapshotAsync(CancellationToken ct)
    {
        var settings = options.Value;
        var now = clock.GetUtcNow();
        var window = TimeSpan.FromMinutes(Math.Max(1, settings.WindowMinutes));
        var problems = new Dictionary<string, string>(StringComparer.Ordinal);

        var hooksTask = Panel("hooks", problems, async () =>
        {
            var recent = await store.RecentAsync(now - window, MaxTimelines, ct);
            return recent;
        });
        var queuesTask = Panel("queues", problems, async () =>
        {
            var vhost = settings.ResolveVirtualHost(configuration);
            var queues = await management.ListQueuesAsync(vhost, ct);
            return new QueuesPanel(vhost, queues, queues.Where(q => q.IsErrorQueue).Sum(q => q.Messages));
        });
        var tenantsTask = Panel("tenants", problems, () => tenants.GetAsync(ct));
        var rulesTask = Panel("rules", problems, async () =>
        {
            // The rule outcome projection (async daemon of the write-back host): every tenant, the last RuleDays days.
            var days = Math.Max(1, settings.RuleDays);
            var outcomes = await store.RuleOutcomesAsync(null, RuleOutcomeKey.DayOf(now).AddDays(1 - days), ct);
            var rows = RuleReport.Build(outcomes, new Dictionary<string, long>());
            return new RulesPanel(days, [.. rows.Select(r => new RuleBar(r.RuleId, r.Versions, r.Fired, r.Shown, r.Accepted, r.Overridden, r.WouldHaveFired,
                r.TopOverrideReasons))]);
        });
        var populationTask = Panel("population", problems, async () =>
        {
            var runs = await store.LatestPopulationRunsAsync(new TenantChecker(configuration).TenantIds, ct);
            return new PopulationPanel([.. runs.Select(r => new PopulationRunRow(r.Tenant, r.Run.Id, r.Run.At, r.Run.ExportId, r.Run.Patients,
                r.Run.PatientsWithGaps, r.Run.GapsByRule))]);
        });
        await Task.WhenAll(hooksTask, queuesTask, tenantsTask, rulesTask, populationTask);

        var timelines = hooksTask.Result;
        HooksPanel? hooks = null;
        WriteBacksPanel? writeBacks = null;
        if (timelines is not null)
        {
            hooks = new HooksPanel(OpsEventStore.Stats(timelines, window), PerMinute(timelines, now, window),
                timelines.Take(15).Select(t => new HookRow(t.ReceivedAt, t.Tenant, t.Hook, t.Id, t.LatencyMs, t.Cards.Count, t.CardSource, t.DeadlineMissed)).ToList());
            var (source, items) = OpsEventStore.RecentWriteBacks(timelines, 15);
            writeBacks = new WriteBacksPanel(source, items);
        }
        return new DashboardSnapshot(now, (int)window.TotalMinutes, Math.Max(1, settings.RefreshSeconds), hooks, queuesTask.Result, writeBacks,
            tenantsTask.Result ?? [], rulesTask.Result, populationTask.Result, problems);
    }

    private static List<MinuteBucket> PerMinute(IReadOnlyList<HookTimeline> timelines, DateTimeOffset now, TimeSpan window)
    {
        var end = new DateTimeOffset(now.Year, now.Month, now.Day, now.Hour, now.Minute, 0, TimeSpan.Zero);
        var minutes = (int)Math.Ceiling(window.TotalMinutes);
        var byMinute = timelines.GroupBy(t => Truncate(t.ReceivedAt)).ToDictionary(g => g.Key, g => g.ToList());
        return Enumerable.Range(0, minutes).Select(i => end.AddMinutes(i - minutes + 1)).Select(m =>
        {
            var items = byMinute.GetValueOrDefault(m) ?? [];
            var latencies = items.Where(t => t.LatencyMs is not null).Select(t => t.LatencyMs!.Value).Order().ToList();
            return new MinuteBucket(m, items.Count, OpsEventStore.Percentile(latencies, 0.95));
        }).ToList();
    }

    private static DateTimeOffset Truncate(DateTimeOffset at)
    {
        var u = at.ToUniversalTime();
        return new DateTimeOffset(u.Year, u.Month, u.Day, u.Hour, u.Minute, 0, TimeSpan.Zero);
    }

    private async Task<T?> Panel<T>(string name, Dictionary<string, string> problems, Func<Task<T>> load) where T : class
    {
        try
        {
            return await load();
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            LogPanelFailed(logger, name, ex.GetType().Name);
            lock (problems)
            {
                problems[name] = ex.Message;
            }
            return null;
        }
    }

    [LoggerMessage(EventId = 9001, Level = LogLevel.Warning, Message = "Dashboard panel {Panel} failed: {Error}")]
    private static partial void LogPanelFailed(ILogger logger, string panel, string error);
}

/// <summary>
/// Tenant health for the dashboard: the live checks of <see cref="TenantChecker"/>, refreshed in the background at
/// most every <c>Ops:TenantCheckSeconds</c>; a page never waits long for a slow Epic.
/// </summary>
public sealed class TenantHealthCache(IOptions<OpsSettings> options, IConfiguration configuration, TimeProvider clock)
{
    private readonly Lock _gate = new();
    private Task<IReadOnlyList<TenantHealth>>? _refresh;
    private IReadOnlyList<TenantHealth>? _last;
    private DateTimeOffset _lastAt;

    public async Task<IReadOnlyList<TenantHealth>> GetAsync(CancellationToken ct)
    {
        Task<IReadOnlyList<TenantHealth>> refresh;
        lock (_gate)
        {
            var fresh = _last is not null && clock.GetUtcNow() - _lastAt < TimeSpan.FromSeconds(Math.Max(5, options.Value.TenantCheckSeconds));
            if (fresh)
            {
                return _last!;
            }
            _refresh ??= RefreshAsync();
            refresh = _refresh;
        }
        // The first time, wait a little for an answer; afterwards serve the previous result while refreshing.
        var waited = await Task.WhenAny(refresh, Task.Delay(_last is null ? TimeSpan.FromSeconds(5) : TimeSpan.Zero, ct));
        if (waited == refresh)
        {
            return await refresh;
        }
        return _last ?? new TenantChecker(configuration).TenantIds
            .Select(id => new TenantHealth(id, false, null, [new TenantCheckLine(id, "live checks", CheckStatus.Skip, "running…")])).ToList();
    }

    private async Task<IReadOnlyList<TenantHealth>> RefreshAsync()
    {
        try
        {
            var checker = new TenantChecker(configuration, TimeSpan.FromSeconds(15));
            var at = clock.GetUtcNow();
            var lines = await checker.CheckAllAsync(live: true);
            var result = lines.GroupBy(l => l.Tenant)
                .Select(g => new TenantHealth(g.Key, g.All(l => l.Status != CheckStatus.Fail), at, g.ToList())).ToList();
            lock (_gate)
            {
                _last = result;
                _lastAt = at;
            }
            return result;
        }
        finally
        {
            lock (_gate)
            {
                _refresh = null;
            }
        }
    }
}
