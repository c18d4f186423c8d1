using Cds.EventStore;
using JasperFx.Events;
using Marten;

namespace Cds.Ops.Timeline;

/// <summary>
/// Read-only access to the platform's Marten store for the ops tool: the same configuration block as the services
/// (<see cref="EventStoreSetup.Configure"/>), never creating or changing schema objects.
/// </summary>
public sealed partial class OpsEventStore : IAsyncDisposable
{
    private readonly DocumentStore _store;

    public OpsEventStore(string connectionString, string schema)
    {
        Schema = schema;
        _store = DocumentStore.For(o => EventStoreSetup.Configure(o, connectionString,
            new EventStoreSettings { Schema = schema, AutoApplySchema = false }));
    }

    public string Schema { get; }

    /// <summary>Writes the SQL that brings the database to what the code needs (nothing is executed).</summary>
    public async Task ExportSchemaAsync(string path, CancellationToken ct = default)
    {
        await Weasel.Core.Migrations.DatabaseExtensions.WriteMigrationFileAsync(_store.Storage.Database, path, ct);
    }

    /// <summary>Creates or updates every table, function and document storage the code needs.</summary>
    public Task ApplySchemaAsync(CancellationToken ct = default) =>
        _store.Storage.Database.ApplyAllConfiguredChangesToDatabaseAsync(JasperFx.AutoCreate.CreateOrUpdate, null, ct);

    public static OpsEventStore FromConfiguration(IConfiguration configuration)
    {
        var cs = configuration.GetConnectionString("Postgres")
            ?? throw new InvalidOperationException("ConnectionStrings:Postgres is not set. Run `eval \"$(bash infra/local/up.sh)\"` or set ConnectionStrings__Postgres.");
        var settings = configuration.GetSection(EventStoreSettings.Section).Get<EventStoreSettings>() ?? new EventStoreSettings();
        return new OpsEventStore(cs, settings.Schema);
    }

    /// <summary>The timeline of <paramref name="hookInstance"/>; any tenant unless <paramref name="tenant"/> is given.</summary>
    public async Task<TimelineView?> FindAsync(string hookInstance, string? tenant, CancellationToken ct = default)
    {
        HookTimeline? timeline;
        string tenantId;
        if (tenant is not null)
        {
            await using var session = _store.QuerySession(tenant);
            timeline = await session.LoadAsync<HookTimeline>(hookInstance, ct);
            tenantId = tenant;
        }
        else
        {
            await using var any = _store.QuerySession();
            var matches = await any.Query<HookTimeline>().Where(t => t.AnyTenant() && t.Id == hookInstance).Take(2).ToListAsync(ct);
            if (matches.Count > 1)
            {
                throw new InvalidOperationException($"hook instance '{hookInstance}' exists for several tenants: pass --tenant");
            }
            timeline = matches.SingleOrDefault();
            tenantId = timeline is null ? "" : (await any.MetadataForAsync(timeline, ct))?.TenantId ?? timeline.Tenant;
        }
        if (timeline is null)
        {
            return null;
        }
        await using var tenantSession = _store.QuerySession(tenantId);
        var events = await tenantSession.Events.FetchStreamAsync(hookInstance, token: ct);
        return new TimelineView(timeline, tenantId,
            events.Select(e => new StoredEvent(e.Version, EventName(e), e.Timestamp)).ToList());
    }

    /// <summary>Hooks received since <paramref name="since"/> (all tenants), newest first, at most <paramref name="limit"/>.</summary>
    public async Task<IReadOnlyList<HookTimeline>> RecentAsync(DateTimeOffset since, int limit, CancellationToken ct = default)
    {
        await using var session = _store.QuerySession();
        var list = await session.Query<HookTimeline>()
            .Where(t => t.AnyTenant() && t.ReceivedAt >= since)
            .OrderByDescending(t => t.ReceivedAt)
            .Take(limit)
            .ToListAsync(ct);
        return list;
    }

    public static IReadOnlyList<HookStats> Stats(IReadOnlyList<HookTimeline> timelines, TimeSpan window)
    {
        var minutes = Math.Max(window.TotalMinutes, 1.0 / 60);
        return timelines.GroupBy(t => t.Hook).Select(g => Stat(g.Key, g.ToList(), minutes))
            .Prepend(Stat("all", timelines, minutes))
            .ToList();
    }

    private static HookStats Stat(string hook, IReadOnlyCollection<HookTimeline> items, double minutes)
    {
        var latencies = items.Where(t => t.LatencyMs is not null).Select(t => t.LatencyMs!.Value).Order().ToList();
        return new HookStats(hook, items.Count, Math.Round(items.Count / minutes, 2),
            Percentile(latencies, 0.50), Percentile(latencies, 0.95), latencies.Count == 0 ? null : latencies[^1],
            items.Count(t => t.DeadlineMissed));
    }

    /// <summary>Nearest-rank percentile of sorted values (null when empty).</summary>
    public static double? Percentile(IReadOnlyList<double> sorted, double p)
    {
        if (sorted.Count == 0)
        {
            return null;
        }
        var rank = (int)Math.Ceiling(p * sorted.Count);
        return sorted[Math.Clamp(rank - 1, 0, sorted.Count - 1)];
    }

    /// <summary>
    /// The notes the write-back service recorded on the timelines (newest first); when there are none at all, the
    /// recent feedback instead (what triggers write-backs).
    /// </summary>
    public static (string Source, IReadOnlyList<RecentWriteBack> Items) RecentWriteBacks(IEnumerable<HookTimeline> timelines, int take)
    {
        var list = timelines.ToList();
        var writeBacks = list.SelectMany(t => t.Notes.Select(n => new RecentWriteBack(n.CompletedAt ?? n.RequestedAt, t.Tenant, t.Id,
                "write-back " + n.Status, DescribeNote(n))))
            .OrderByDescending(w => w.At).Take(take).ToList();
        if (writeBacks.Count > 0)
        {
            return ("write-back", writeBacks);
        }
        var feedback = list.SelectMany(t => t.Feedback.Select(f => new RecentWriteBack(f.ReceivedAt, t.Tenant, t.Id, "feedback " + f.Outcome, $"card {f.CardUuid}")))
            .OrderByDescending(w => w.At).Take(take).ToList();
        return ("feedback", feedback);
    }

    /// <summary>"card X, trigger T, Epic id Y, 2 attempt(s)" or the failure reason: ids and reasons, never note text.</summary>
    public static string DescribeNote(TimelineNote n)
    {
        var parts = new List<string> { $"card {n.CardUuid}", $"trigger {n.Trigger}" };
        if (n.EpicId is not null)
        {
            parts.Add($"Epic id {n.EpicId}");
        }
        if (n.Attempts > 0)
        {
            parts.Add($"{n.Attempts} attempt(s)");
        }
        if (n.FailureReason is not null)
        {
            parts.Add((n.Retryable == true ? "retryable: " : "not retried: ") + n.FailureReason);
        }
        return string.Join(", ", parts);
    }

    private static string EventName(IEvent e) => e.EventTypeName ?? e.EventType.Name;

    public ValueTask DisposeAsync()
    {
        _store.Dispose();
        return ValueTask.CompletedTask;
    }
}
