using Cds.Fhir.Configuration;
using Microsoft.Extensions.Logging;

namespace Cds.Fhir;

/// <summary>Gives the Epic FHIR client of a tenant.</summary>
public interface IEpicFhirClientFactory
{
    /// <summary>The client of <paramref name="tenant"/>; <see cref="TenantConfigurationException"/> when the tenant is unknown.</summary>
    EpicFhirClient ForTenant(string tenant);
}

/// <summary>Default <see cref="IEpicFhirClientFactory"/>.</summary>
internal sealed class EpicFhirClientFactory : IEpicFhirClientFactory
{
    private readonly FhirTenantRegistry _tenants;
    private readonly IHttpClientFactory _httpClientFactory;
    private readonly CapabilityCache _capabilities;
    private readonly FhirMetrics _metrics;
    private readonly ILoggerFactory _loggers;
    private readonly IReadOnlySet<string> _registeredTenants;

    public EpicFhirClientFactory(FhirTenantRegistry tenants, IHttpClientFactory httpClientFactory, CapabilityCache capabilities, FhirMetrics metrics,
        ILoggerFactory loggers, RegisteredTenantClients registered)
    {
        _tenants = tenants;
        _httpClientFactory = httpClientFactory;
        _capabilities = capabilities;
        _metrics = metrics;
        _loggers = loggers;
        _registeredTenants = registered.TenantIds;
    }

    public EpicFhirClient ForTenant(string tenant)
    {
        _tenants.Get(tenant);
        if (!_registeredTenants.Contains(tenant))
        {
            throw new TenantConfigurationException(tenant,
                ["the tenant was added after start-up; its HttpClient (token, retries, breaker) is registered at start-up only: restart the service."]);
        }

        return new EpicFhirClient(tenant, _tenants, _httpClientFactory, _capabilities, _metrics, _loggers.CreateLogger<EpicFhirClient>());
    }
}
