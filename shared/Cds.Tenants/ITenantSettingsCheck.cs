namespace Cds.Tenants;

/// <summary>
/// The start-up check of the parts one library owns, composed by <see cref="TenantSettingsValidator"/>. Each problem is
/// one sentence naming the tenant and the setting (<c>Tenants:{id}:Part:Setting</c>) and what to do.
/// </summary>
public interface ITenantSettingsCheck
{
    IEnumerable<string> Problems(ConfiguredTenants tenants);
}
