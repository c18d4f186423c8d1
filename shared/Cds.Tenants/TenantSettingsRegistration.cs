using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;

namespace Cds.Tenants;

public static class TenantSettingsRegistration
{
    /// <summary>
    /// Binds <c>Tenants:{id}</c> of <paramref name="configuration"/> once into <see cref="ConfiguredTenants"/>
    /// (IOptions / IOptionsMonitor; rebound when the configuration reloads), validated at start-up by
    /// <see cref="TenantSettingsValidator"/> with the checks the host registers (<see cref="AddTenantSettingsCheck{TCheck}"/>);
    /// a reload that fails them is refused and the last good settings stay in force (<see cref="TenantSettingsFactory"/>).
    /// Safe to call from every library's registration: the first call binds, later ones do nothing.
    /// </summary>
    public static IServiceCollection AddTenantSettings(this IServiceCollection services, IConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        if (services.Any(d => d.ServiceType == typeof(IValidateOptions<ConfiguredTenants>)))
        {
            return services;
        }

        services.AddOptions<ConfiguredTenants>().Configure(o => TenantSettingsBinder.BindInto(o, configuration)).ValidateOnStart();
        services.AddSingleton<IOptionsChangeTokenSource<ConfiguredTenants>>(new ConfigurationChangeTokenSource<ConfiguredTenants>(configuration));
        services.AddSingleton<IValidateOptions<ConfiguredTenants>, TenantSettingsValidator>();
        services.AddSingleton<IOptionsFactory<ConfiguredTenants>, TenantSettingsFactory>();
        return services;
    }

    /// <summary>Adds a part's start-up check to the one tenant validation (once per check type).</summary>
    public static IServiceCollection AddTenantSettingsCheck<TCheck>(this IServiceCollection services)
        where TCheck : class, ITenantSettingsCheck
    {
        services.TryAddEnumerable(ServiceDescriptor.Singleton<ITenantSettingsCheck, TCheck>());
        return services;
    }
}
