
namespace Cds.Rules;

/// <summary>
/// A tenant's alert settings (<c>Tenants:{id}:Alerts</c>), read through IOptionsMonitor: a reload of
/// the tenants file switches them without a restart.
/// </summary>
public sealed class TenantAlertSettings
{
    /// <summary>Silent (shadow) mode for every service and rule of the tenant.</summary>
    public bool Silent { get; set; }
    /// <summary>Silent mode per CDS service id (e.g. <c>cds-order-select</c>).</summary>
    public Dictionary<string, bool> SilentServices { get; set; } = new(StringComparer.Ordinal);
    /// <summary>Silent mode per rule id (e.g. <c>renal-dosing</c>).</summary>
    public Dictionary<string, bool> SilentRules { get; set; } = new(StringComparer.Ordinal);
    /// <summary>
    /// Snooze after override per rule id: how long (<c>d.hh:mm:ss</c>, e.g. <c>1.00:00:00</c> for 24 h) a card the clinician
    /// overrode with a reason is not shown again for the same patient and fact. Absent: off (the default).
    /// </summary>
    public Dictionary<string, TimeSpan> SnoozeAfterOverride { get; set; } = new(StringComparer.Ordinal);
}
