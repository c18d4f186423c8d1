using System.Diagnostics.Metrics;

namespace Cds.Hooks.Security;

/// <summary>Meter "Cds.Hooks": cds.hooks.auth.failures {reason, tenant} and cds.hooks.auth.successes {tenant}.</summary>
internal sealed class EpicJwtMetrics
{
    private readonly Counter<long> _failures;
    private readonly Counter<long> _successes;
    private readonly Counter<long> _replayDegraded;

    public EpicJwtMetrics(IMeterFactory meterFactory)
    {
        var meter = meterFactory.Create(EpicJwtDefaults.MeterName);
        _failures = meter.CreateCounter<long>(EpicJwtDefaults.FailureCounterName, unit: "{request}",
            description: "Hook calls refused by Epic JWT authentication, by reason and tenant (when known).");
        _successes = meter.CreateCounter<long>(EpicJwtDefaults.SuccessCounterName, unit: "{request}",
            description: "Hook calls authenticated by Epic JWT, by tenant.");
        _replayDegraded = meter.CreateCounter<long>("cds.hooks.auth.replay_store_degraded", unit: "{request}",
            description: "jti checked against this instance's own cache because the shared replay store was unreachable.");
    }

    public void ReplayDegraded(string tenant) => _replayDegraded.Add(1, new KeyValuePair<string, object?>("tenant", tenant));

    public void Failure(AuthFailureReason reason, string? tenant)
    {
        if (tenant is null)
        {
            _failures.Add(1, new KeyValuePair<string, object?>("reason", reason.ToTag()));
        }
        else
        {
            _failures.Add(1, new KeyValuePair<string, object?>("reason", reason.ToTag()), new KeyValuePair<string, object?>("tenant", tenant));
        }
    }

    public void Success(string tenant) => _successes.Add(1, new KeyValuePair<string, object?>("tenant", tenant));
}
