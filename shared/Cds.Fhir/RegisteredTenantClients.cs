namespace Cds.Fhir;

/// <summary>Tenant ids whose HttpClients were registered by AddCdsFhir.</summary>
internal sealed record RegisteredTenantClients(IReadOnlySet<string> TenantIds);
