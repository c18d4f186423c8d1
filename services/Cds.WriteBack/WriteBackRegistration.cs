using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;

namespace Cds.WriteBack;

public static class WriteBackRegistration
{
    /// <summary>Tenant write-back settings (<c>Tenants:{id}:WriteBack</c>, validated at start-up), metrics.</summary>
    public static IServiceCollection AddCdsWriteBack(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddOptions<WriteBackTenantsOptions>().Bind(configuration).ValidateOnStart();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<WriteBackTenantsOptions>, WriteBackTenantsValidator>());
        services.TryAddSingleton<WriteBackMetrics>();
        services.TryAddSingleton(TimeProvider.System);
        return services;
    }
}
