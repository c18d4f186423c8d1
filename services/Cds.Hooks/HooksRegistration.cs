using Cds.Hooks.HookServices;
using Cds.Hooks.Prefetch;
using Cds.Hooks.Requests;
using Cds.Hooks.Security;

namespace Cds.Hooks;

public static class HooksRegistration
{
    public const string CorsPolicy = "cds-hooks-clients";

    /// <summary>Everything the hooks host adds to the shared defaults: services, auth, request reading, prefetch, CORS.</summary>
    public static IServiceCollection AddCdsHooks(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddOptions<HookOptions>().Bind(configuration.GetSection(HookOptions.Section))
            .Validate(o => o.Deadline > TimeSpan.Zero && o.Deadline < TimeSpan.FromSeconds(30), "Hooks:Deadline must be between 0 and 30 s")
            .ValidateOnStart();
        services.AddSingleton(new CdsServiceCatalog(HookServiceIds.All));
        services.AddSingleton<HookMetrics>();
        services.AddSingleton(TimeProvider.System);
        services.AddScoped<HookPipeline>();
        services.AddScoped<FeedbackRecorder>();
        services.AddSingleton<PrefetchFetcher>();
        services.AddHttpClient(PrefetchFetcher.HttpClientName)
            .ConfigurePrimaryHttpMessageHandler(() => new SocketsHttpHandler { AllowAutoRedirect = false, UseCookies = false });

        services.AddEpicJwtAuthentication(configuration);
        services.AddHookRequestReading(configuration);

        var origins = configuration.GetSection($"{HookOptions.Section}:CorsOrigins").Get<string[]>() ?? [];
        services.AddCors(o => o.AddPolicy(CorsPolicy, p =>
        {
            if (origins.Length > 0)
            {
                p.WithOrigins(origins).WithMethods("GET", "POST").WithHeaders("Authorization", "Content-Type");
            }
        }));
        return services;
    }
}
