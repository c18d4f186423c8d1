using Cds.EventStore;
using Cds.EventStore.RuleOutcomes;
using Cds.Ops.Rules;
using Cds.Ops.Rabbit;
using Cds.Ops.Tenants;
using Cds.Ops.Timeline;
using Microsoft.Extensions.Options;

namespace Cds.Ops.Dashboard;

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
            return new RulesPanel(days, [.. rows.Select(r => new RuleBar(r.RuleId, r.Versions, r.Fired, r.Shown, r.Accepted, r.Overridden, r.WouldHaveFired, r.Snoozed,
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
