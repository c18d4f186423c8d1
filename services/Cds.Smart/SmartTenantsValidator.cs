using Cds.Fhir.Configuration;
using Cds.Fhir.Smart;
using Cds.Tenants;
using Microsoft.Extensions.Options;

namespace Cds.Smart;

/// <summary>
/// The SMART host's check in the tenant validation (start-up): every SMART registration and the link key (the messages
/// name the tenant and the setting).
/// </summary>
public sealed class SmartTenantsValidator(IOptions<SmartAppOptions> app) : ITenantSettingsCheck
{
    public IEnumerable<string> Problems(ConfiguredTenants options)
    {
        var problems = options.Tenants.SelectMany(t => SmartAppRegistrationCheck.Problems(t.Value).Select(p => $"Tenant '{t.Key}': {p}")).ToList();
        if (!options.Tenants.Values.Any(t => t.SmartApp is not null))
        {
            problems.Add("No tenant has a SmartApp registration: add Tenants:<id>:SmartApp (ClientId, ClientType, RedirectUri, Scopes).");
        }
        if (SmartAppContext.KeyProblem(app.Value.AppContextKey) is { } keyProblem)
        {
            problems.Add($"{SmartAppOptions.Section}:AppContextKey {keyProblem}");
        }
        return problems;
    }
}
