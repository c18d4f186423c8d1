
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
}
