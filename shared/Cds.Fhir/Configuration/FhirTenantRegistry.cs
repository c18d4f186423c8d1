using System.Collections.Concurrent;
using System.Security.Cryptography;
using Cds.Tenants;
using Microsoft.Extensions.Options;

namespace Cds.Fhir.Configuration;

/// <summary>Tenant look-up for the library: the tenant's settings, normalised FHIR base and the loaded signing key (cached).</summary>
public sealed class FhirTenantRegistry : IDisposable
{
    private readonly IOptionsMonitor<ConfiguredTenants> _options;
    private readonly ConcurrentDictionary<string, Lazy<RSA>> _keys = new(StringComparer.OrdinalIgnoreCase);

    public FhirTenantRegistry(IOptionsMonitor<ConfiguredTenants> options) => _options = options;

    public IReadOnlyCollection<string> TenantIds => _options.CurrentValue.Tenants.Keys;

    /// <summary>The tenant's settings; <see cref="TenantConfigurationException"/> when the tenant is not configured.</summary>
    public TenantSettings Get(string tenant)
    {
        if (string.IsNullOrWhiteSpace(tenant))
        {
            throw new TenantConfigurationException("(empty)", ["no tenant id given; every call names the Epic customer it is for."]);
        }

        if (_options.CurrentValue.Tenants.TryGetValue(tenant, out var options))
        {
            return options;
        }

        throw new TenantConfigurationException(tenant,
            [$"no such tenant; configured: {string.Join(", ", _options.CurrentValue.Tenants.Keys.Order(StringComparer.Ordinal))}."]);
    }

    /// <summary>FHIR base of the tenant, always ending with '/'.</summary>
    public Uri GetFhirBase(string tenant) => NormaliseBase(Get(tenant).FhirBaseUrl!);

    /// <summary>The client id in force, or a <see cref="TenantConfigurationException"/> when it is missing.</summary>
    public string GetClientId(string tenant)
    {
        var t = Get(tenant);
        return string.IsNullOrWhiteSpace(t.ClientIdInForce)
            ? throw new TenantConfigurationException(tenant, [$"the {t.ClientIdKind} client id (environment {t.Environment}) is empty."])
            : t.ClientIdInForce.Trim();
    }

    /// <summary>The tenant's RSA signing key, loaded once and checked to sign RS384.</summary>
    public RSA GetSigningKey(string tenant)
    {
        var t = Get(tenant);
        var lazy = _keys.GetOrAdd(tenant, _ => new Lazy<RSA>(() =>
            PrivateKeyLoader.TryLoad(t.Backend, out var problem) ?? throw new TenantConfigurationException(tenant, [problem ?? "the private key cannot be loaded."])));
        try
        {
            return lazy.Value;
        }
        catch (TenantConfigurationException)
        {
            _keys.TryRemove(new KeyValuePair<string, Lazy<RSA>>(tenant, lazy));
            throw;
        }
    }

    public static Uri NormaliseBase(string baseUrl) => new(baseUrl.EndsWith('/') ? baseUrl : baseUrl + "/", UriKind.Absolute);

    public void Dispose()
    {
        foreach (var lazy in _keys.Values.Where(l => l.IsValueCreated))
        {
            lazy.Value.Dispose();
        }
    }
}
