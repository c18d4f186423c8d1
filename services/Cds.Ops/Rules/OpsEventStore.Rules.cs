using Cds.EventStore;
using Cds.EventStore.RuleOutcomes;
using Cds.Ops.Rules;
using Marten;

namespace Cds.Ops.Timeline;

/// <summary>The rule outcome documents (async projection) and the hook counts the report divides by.</summary>
public sealed partial class OpsEventStore
{
    /// <summary>Per-day rule outcomes since <paramref name="since"/>, for one tenant or (null) every tenant.</summary>
    public async Task<IReadOnlyList<RuleOutcomeDay>> RuleOutcomesAsync(string? tenant, DateTimeOffset since, CancellationToken ct = default)
    {
        await using var session = tenant is null ? _store.QuerySession() : _store.QuerySession(tenant);
        var query = tenant is null
            ? session.Query<RuleOutcomeDay>().Where(d => d.AnyTenant() && d.Day >= since)
            : session.Query<RuleOutcomeDay>().Where(d => d.Day >= since);
        return await query.ToListAsync(ct);
    }

    /// <summary>Hooks received per service since <paramref name="since"/> (one tenant, or every tenant).</summary>
    public async Task<IReadOnlyDictionary<string, long>> HooksByServiceAsync(string? tenant, DateTimeOffset since, IEnumerable<string> services,
        CancellationToken ct = default)
    {
        await using var session = tenant is null ? _store.QuerySession() : _store.QuerySession(tenant);
        var counts = new Dictionary<string, long>(StringComparer.Ordinal);
        foreach (var service in services.Distinct(StringComparer.Ordinal))
        {
            var query = tenant is null
                ? session.Query<HookTimeline>().Where(t => t.AnyTenant() && t.ServiceId == service && t.ReceivedAt >= since)
                : session.Query<HookTimeline>().Where(t => t.ServiceId == service && t.ReceivedAt >= since);
            counts[service] = await query.CountAsync(ct);
        }
        return counts;
    }

    /// <summary>How far the rule outcome projection is behind the newest event (read before the outcomes).</summary>
    public async Task<ProjectionLag> RuleOutcomesLagAsync(CancellationToken ct = default)
    {
        var shard = $"{RuleOutcomeProjection.ProjectionKey}:All";
        var progress = await _store.Advanced.AllProjectionProgress(token: ct);
        var through = progress.FirstOrDefault(p => p.ShardName == shard)?.Sequence ?? 0;
        var newest = (await _store.Advanced.FetchEventStoreStatistics(token: ct)).EventSequenceNumber;
        if (newest <= through)
        {
            return new ProjectionLag(through, 0, null);
        }
        await using var session = _store.QuerySession();
        var oldest = await session.Events.QueryAllRawEvents()
            .Where(e => e.AnyTenant() && e.Sequence > through)
            .OrderBy(e => e.Sequence)
            .Select(e => e.Timestamp)
            .FirstOrDefaultAsync(ct);
        return new ProjectionLag(through, newest - through, oldest == default ? null : oldest);
    }

    /// <summary>Deletes the rule outcome documents and projects every event again (the daemon's rebuild).</summary>
    public async Task RebuildRuleOutcomesAsync(CancellationToken ct = default)
    {
        using var daemon = await _store.BuildProjectionDaemonAsync();
        await daemon.RebuildProjectionAsync(RuleOutcomeProjection.ProjectionKey, ct);
    }
}
