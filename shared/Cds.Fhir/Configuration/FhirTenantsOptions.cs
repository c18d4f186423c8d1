namespace Cds.Fhir.Configuration;

/// <summary>
/// Root of the <c>Tenants</c> configuration section. Key = tenant id (an Epic customer); every message carries it.
/// Bound with <c>services.AddCdsFhir(configuration)</c> from the <c>Tenants</c> section of the given configuration.
/// </summary>
public sealed class FhirTenantsOptions
{
    public Dictionary<string, FhirTenantOptions> Tenants { get; set; } = new(StringComparer.OrdinalIgnoreCase);
}
