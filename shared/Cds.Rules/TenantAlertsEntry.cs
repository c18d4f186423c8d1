
namespace Cds.Rules;

/// <summary>The alert part of each tenant's block (the rest of the block is other services' business).</summary>
public sealed class TenantAlertsEntry
{
    public TenantAlertSettings Alerts { get; set; } = new();
}
