using Cds.Tenants;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace Cds.WriteBack;

public static class WriteBackRegistration
{
    /// <summary>The tenant settings with the check of their <c>WriteBack</c> part (start-up), metrics.</summary>
    public static IServiceCollection AddCdsWriteBack(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddTenantSettings(configuration).AddTenantSettingsCheck<WriteBackTenantsValidator>();
        services.TryAddSingleton<WriteBackMetrics>();
        services.TryAddSingleton(TimeProvider.System);
        return services;
    }
}
