using System.Text.Json;
using System.Text.Json.Nodes;
using Cds.EventStore;
using Cds.Rules;
using Cds.EventStore.RuleOutcomes;
using Cds.Tenants;
using Marten;
using Microsoft.Extensions.Options;

namespace Cds.Hooks.Alerts;

/// <summary>
/// Records every runtime change of a tenant's alert settings (the <see cref="TenantAlertSettings"/> part of the tenant
/// settings, <c>Tenants:{id}:Alerts:…</c>) as an <see cref="AlertSettingChanged"/> event: the key, old and new value,
/// "configuration reload", this instance. A reload that changes nothing in them records nothing (file watchers often
/// fire twice per save); a value equal to the default is the same as an unset one.
/// </summary>
public sealed class AlertSettingsRecorder(IOptionsMonitor<ConfiguredTenants> monitor, IDocumentStore store,
    TimeProvider time, ILogger<AlertSettingsRecorder> log) : IHostedService, IDisposable
{
    private readonly SemaphoreSlim _gate = new(1, 1);
    private Dictionary<string, string?> _last = [];
    private IDisposable? _subscription;

    public Task StartAsync(CancellationToken cancellationToken)
    {
        _last = Snapshot(monitor.CurrentValue);
        _subscription = monitor.OnChange((tenants, name) => _ = RecordAsync(tenants));
        return Task.CompletedTask;
    }

    public Task StopAsync(CancellationToken cancellationToken)
    {
        _subscription?.Dispose();
        return Task.CompletedTask;
    }

    /// <summary>Every <c>Tenants:{id}:Alerts:…</c> value that differs from the default, by key (tenant id first).</summary>
    public static Dictionary<string, string?> Snapshot(ConfiguredTenants tenants)
    {
        var defaults = new Dictionary<string, string?>(StringComparer.OrdinalIgnoreCase);
        Flatten(JsonSerializer.SerializeToNode(new TenantAlertSettings()), "", defaults);
        var values = new Dictionary<string, string?>(StringComparer.OrdinalIgnoreCase);
        foreach (var (id, tenant) in tenants.Tenants)
        {
            var own = new Dictionary<string, string?>(StringComparer.OrdinalIgnoreCase);
            Flatten(JsonSerializer.SerializeToNode(tenant.Alerts), "", own);
            foreach (var (key, value) in own.Where(kv => !string.Equals(defaults.GetValueOrDefault(kv.Key), kv.Value, StringComparison.OrdinalIgnoreCase)))
            {
                values[$"{TenantSettingsBinder.Section}:{id}:Alerts:{key}"] = value;
            }
        }
        return values;
    }

    /// <summary>The settings as configuration keys (<c>SilentRules:renal-dosing</c>) and their values.</summary>
    private static void Flatten(JsonNode? node, string path, Dictionary<string, string?> into)
    {
        switch (node)
        {
            case JsonObject o:
                foreach (var (name, child) in o)
                {
                    Flatten(child, path.Length == 0 ? name : $"{path}:{name}", into);
                }
                break;
            case JsonArray a:
                for (var i = 0; i < a.Count; i++)
                {
                    Flatten(a[i], $"{path}:{i}", into);
                }
                break;
            case JsonValue v:
                into[path] = v.ToString();
                break;
        }
    }

    private async Task RecordAsync(ConfiguredTenants tenants)
    {
        await _gate.WaitAsync();
        try
        {
            var now = Snapshot(tenants);
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
