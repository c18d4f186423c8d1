using Cds.Hooks.HookServices;

namespace Cds.Hooks;

public static class HooksRegistration
{
    public static IServiceCollection AddCdsHooks(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddOptions<HookOptions>().Bind(configuration.GetSection(HookOptions.Section)).ValidateOnStart();
        services.AddSingleton(new CdsServiceCatalog(HookServiceIds.All));
        services.AddSingleton<HookMetrics>();
        services.AddSingleton(TimeProvider.System);
        services.AddScoped<HookPipeline>();
        return services;
    }
}
