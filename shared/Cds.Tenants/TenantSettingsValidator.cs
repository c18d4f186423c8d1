using Microsoft.Extensions.Options;

namespace Cds.Tenants;

/// <summary>
/// The one validation of <see cref="ConfiguredTenants"/> (ValidateOnStart): every registered <see cref="ITenantSettingsCheck"/>
/// (each host registers the checks of the parts it uses), all problems reported together.
/// </summary>
public sealed class TenantSettingsValidator(IEnumerable<ITenantSettingsCheck> checks) : IValidateOptions<ConfiguredTenants>
{
    public ValidateOptionsResult Validate(string? name, ConfiguredTenants options)
    {
        var failures = new List<string>();
        foreach (var check in checks)
        {
            failures.AddRange(check.Problems(options));
        }

        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }
}
