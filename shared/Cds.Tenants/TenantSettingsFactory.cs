using System.Diagnostics.Metrics;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Cds.Tenants;

/// <summary>
/// Creates <see cref="ConfiguredTenants"/> (binding, then <see cref="TenantSettingsValidator"/>) and keeps the last good
/// one. The first creation (start-up, ValidateOnStart) throws on a bad setting, naming it. A reload of the tenants file
/// that cannot be bound or fails validation is refused: the last good settings stay in force (what
/// <c>IOptionsMonitor.CurrentValue</c> answers and what its listeners get), a Warning names the failing setting keys
/// (no values: they may be paths, URLs, secrets' names) and <c>cds.tenants.reload_refused</c> counts it.
/// </summary>
public sealed class TenantSettingsFactory(
    IEnumerable<IConfigureOptions<ConfiguredTenants>> setups,
    IEnumerable<IPostConfigureOptions<ConfiguredTenants>> postConfigures,
    IEnumerable<IValidateOptions<ConfiguredTenants>> validations,
    ILogger<TenantSettingsFactory> log) : IOptionsFactory<ConfiguredTenants>
{
    /// <summary>The meter of this library (<c>cds.tenants.*</c> instruments).</summary>
    public const string MeterName = "Cds.Tenants";

    private static readonly Meter Meter = new(MeterName);
    private static readonly Counter<long> ReloadRefused =
        Meter.CreateCounter<long>("cds.tenants.reload_refused", description: "Reloads of the tenants file refused (bad setting); the last good settings stay in force");

    private readonly OptionsFactory<ConfiguredTenants> _factory = new(setups, postConfigures, validations);
    private volatile ConfiguredTenants? _lastGood;

    public ConfiguredTenants Create(string name)
    {
        try
        {
            return _lastGood = _factory.Create(name);
        }
        catch (Exception ex) when (_lastGood is { } lastGood && ex is not OperationCanceledException)
        {
            var problems = ex is OptionsValidationException invalid ? invalid.Failures : Messages(ex);
            ReloadRefused.Add(1);
            log.LogWarning("Tenants reload refused, the last good tenant settings stay in force: fix {Settings}",
                string.Join(", ", TenantSettingKeys.In(problems) is { Count: > 0 } keys ? keys : [TenantSettingsBinder.Section]));
            return lastGood;
        }
    }

    /// <summary>A binding failure's messages, outermost first (the binder names the key in an inner one).</summary>
    private static IEnumerable<string> Messages(Exception ex)
    {
        for (var e = ex; e is not null; e = e.InnerException)
        {
            yield return e.Message;
        }
    }
}
