using Cds.EventStore;
using Cds.Rules;
using Cds.EventStore.RuleOutcomes;
using Marten;
using Microsoft.Extensions.Options;

namespace Cds.Enrichment.Alerts;

/// <summary>
/// Records every runtime change of a tenant's alert settings (<c>Tenants:{id}:Alerts:…</c>) as an
/// <see cref="AlertSettingChanged"/> event: the key, old and new value, "configuration reload", this instance. A reload
/// that changes nothing in them records nothing (file watchers often fire twice per save).
/// </summary>
public sealed class AlertSettingsRecorder(IConfiguration configuration, IOptionsMonitor<AlertsOptions> monitor, IDocumentStore store,
    TimeProvider time, ILogger<AlertSettingsRecorder> log) : IHostedService, IDisposable
{
    private readonly SemaphoreSlim _gate = new(1, 1);
    private Dictionary<string, string?> _last = [];
    private IDisposable? _subscription;

    public Task StartAsync(CancellationToken cancellationToken)
    {
        _last = Snapshot(configuration);
        _subscription = monitor.OnChange((_, _) => _ = RecordAsync());
        return Task.CompletedTask;
    }

    public Task StopAsync(CancellationToken cancellationToken)
    {
        _subscription?.Dispose();
        return Task.CompletedTask;
    }

    /// <summary>Every <c>Tenants:{id}:Alerts:…</c> value, by key (tenant id first).</summary>
    public static Dictionary<string, string?> Snapshot(IConfiguration configuration)
    {
        var values = new Dictionary<string, string?>(StringComparer.OrdinalIgnoreCase);
        foreach (var tenant in configuration.GetSection("Tenants").GetChildren())
        {
            foreach (var (key, value) in tenant.GetSection("Alerts").AsEnumerable())
            {
                if (value is not null)
                {
                    values[key] = value;
                }
            }
        }
        return values;
    }

    private async Task RecordAsync()
    {
        await _gate.WaitAsync();
        try
        {
            var now = Snapshot(configuration);
            var changes = now.Keys.Union(_last.Keys, StringComparer.OrdinalIgnoreCase)
                .Where(k => !string.Equals(now.GetValueOrDefault(k), _last.GetValueOrDefault(k), StringComparison.OrdinalIgnoreCase))
                .Order(StringComparer.Ordinal)
                .ToList();
            if (changes.Count == 0)
            {
                return;
            }
            var at = time.GetUtcNow();
            foreach (var tenant in changes.GroupBy(k => k.Split(':')[1], StringComparer.Ordinal))
            {
                await using var session = store.LightweightSession(tenant.Key);
                session.Events.Append(AlertSettingStreams.For(tenant.Key), [.. tenant.Select(k => (object)new AlertSettingChanged(tenant.Key, k,
                    _last.GetValueOrDefault(k), now.GetValueOrDefault(k), "configuration reload", Environment.MachineName, at))]);
                await session.SaveChangesAsync();
                foreach (var key in tenant)
                {
                    log.LogWarning("Alert setting {Key} changed from {Old} to {New} (configuration reload)",
                        key, _last.GetValueOrDefault(key) ?? "(unset)", now.GetValueOrDefault(key) ?? "(unset)");
                }
            }
            _last = now;
        }
        catch (Exception ex)
        {
            // Not recorded now: the next reload compares against the last recorded values and records the difference.
            log.LogError("Alert setting change not recorded ({Error})", ex.GetType().Name);
        }
        finally
        {
            _gate.Release();
        }
    }

    public void Dispose()
    {
        _subscription?.Dispose();
        _gate.Dispose();
    }
}
