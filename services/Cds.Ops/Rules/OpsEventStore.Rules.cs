using Cds.EventStore;
using Cds.EventStore.RuleOutcomes;
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

    /// <summary>Deletes the rule outcome documents and projects every event again (the daemon's rebuild).</summary>
    public async Task RebuildRuleOutcomesAsync(CancellationToken ct = default)
    {
        using var daemon = await _store.BuildProjectionDaemonAsync();
        await daemon.RebuildProjectionAsync(RuleOutcomeProjection.ProjectionKey, ct);
    }
}
