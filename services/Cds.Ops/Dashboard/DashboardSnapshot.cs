namespace Cds.Ops.Dashboard;

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
