using Cds.Fhir.Configuration;
using Cds.Tenants;
using Microsoft.Extensions.Options;

namespace Cds.Smart;

/// <summary>
/// The tenants with a <c>Tenants:{id}:SmartApp</c> registration. An <c>iss</c> is accepted only when it is one of their
/// FHIR bases, compared after normalisation and never fetched otherwise: no open redirect, no request to a stranger.
/// </summary>
public sealed class SmartTenants(IOptions<ConfiguredTenants> options)
{
    private readonly IReadOnlyList<SmartTenant> _tenants = [.. options.Value.Tenants
        .Where(t => t.Value.SmartApp is not null && !string.IsNullOrWhiteSpace(t.Value.FhirBaseUrl))
        .Select(t => new SmartTenant(t.Key, FhirTenantRegistry.NormaliseBase(t.Value.FhirBaseUrl!), t.Value.SmartApp!,
            t.Value.SmartApp!.ClientType == SmartClientType.Confidential && t.Value.SmartApp.ClientSecretEnv is { Length: > 0 } env
                ? Environment.GetEnvironmentVariable(env) : null))];

    public SmartTenant? ByIss(string? iss)
    {
        if (string.IsNullOrWhiteSpace(iss) || !Uri.TryCreate(iss.EndsWith('/') ? iss : iss + "/", UriKind.Absolute, out var uri))
        {
            return null;
        }
        return _tenants.FirstOrDefault(t => Uri.Compare(t.FhirBase, uri, UriComponents.SchemeAndServer | UriComponents.Path, UriFormat.Unescaped, StringComparison.OrdinalIgnoreCase) == 0
            && string.IsNullOrEmpty(uri.Query));
    }

    public SmartTenant? ById(string? id) => _tenants.FirstOrDefault(t => string.Equals(t.Id, id, StringComparison.OrdinalIgnoreCase));
}
