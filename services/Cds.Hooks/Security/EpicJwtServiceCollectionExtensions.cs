using Cds.Tenants;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;

namespace Cds.Hooks.Security;

public static class EpicJwtServiceCollectionExtensions
{
    /// <summary>
    /// Registers the "EpicJwt" authentication scheme (default scheme unless one is already set) and the "EpicJwt"
    /// authorization policy, bound from <c>HookAuth</c> and <c>ConnectionStrings:Postgres</c>, with each tenant's
    /// <c>Tenants:{id}:HookAuth</c> from the tenant settings, all validated at start-up in the tenant validation. Protect hook endpoints with <c>.RequireAuthorization(EpicJwtDefaults.PolicyName)</c> and read
    /// the caller's tenant with <c>HttpContext.GetTenant()</c>.
    /// </summary>
    public static IServiceCollection AddEpicJwtAuthentication(this IServiceCollection services, IConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        const string scheme = EpicJwtDefaults.AuthenticationScheme;

        services.AddAuthentication(o => o.DefaultScheme ??= scheme)
            .AddScheme<EpicJwtOptions, EpicJwtAuthenticationHandler>(scheme, o => Bind(o, configuration));
        services.AddTenantSettings(configuration).AddTenantSettingsCheck<EpicJwtOptionsValidator>();

        services.AddAuthorization(o => o.AddPolicy(EpicJwtDefaults.PolicyName, p => p
            .AddAuthenticationSchemes(scheme)
            .RequireAuthenticatedUser()
            .RequireClaim(EpicJwtDefaults.TenantClaim)));

        services.AddMetrics();
        services.TryAddSingleton(TimeProvider.System);
        services.TryAddSingleton<EpicJwtMetrics>();
        services.TryAddSingleton(sp => EpicJwtOptionsValidator.BuildRegistry(
            sp.GetRequiredService<IOptionsMonitor<EpicJwtOptions>>().Get(scheme),
            sp.GetRequiredService<IOptions<ConfiguredTenants>>().Value,
            sp.GetRequiredService<IHostEnvironment>().ContentRootPath));
        services.TryAddSingleton<JwksCache>();
        services.TryAddSingleton<IJtiReplayStore, PostgresJtiReplayStore>();
        services.TryAddSingleton<EpicTokenValidator>();
        services.TryAddSingleton<IJtiLocalReplayCheck>(sp => sp.GetRequiredService<EpicTokenValidator>());
        services.AddHostedService<HookAuthStartupReport>();

        services.AddHttpClient(EpicJwtDefaults.JwksHttpClientName, (sp, client) =>
            {
                var o = sp.GetRequiredService<IOptionsMonitor<EpicJwtOptions>>().Get(scheme);
                client.Timeout = o.JwksFetchTimeout;
                client.MaxResponseContentBufferSize = o.JwksMaxBytes;
            })
            // An allow-listed URL must not be able to send us elsewhere: no redirects, no cookies.
            .ConfigurePrimaryHttpMessageHandler(() => new SocketsHttpHandler
            {
                AllowAutoRedirect = false,
                UseCookies = false,
                ConnectTimeout = TimeSpan.FromSeconds(5),
            });

        return services;
    }

    /// <summary>The global <c>HookAuth</c> settings and the replay store's connection string.</summary>
    private static void Bind(EpicJwtOptions o, IConfiguration configuration)
    {
        var hookAuth = configuration.GetSection("HookAuth");
        o.Enabled = hookAuth.GetValue("Enabled", true);
        o.ReplaySchema = hookAuth["ReplaySchema"] is { Length: > 0 } schema ? schema : o.ReplaySchema;
        o.JwksFetchTimeout = hookAuth.GetValue("JwksFetchTimeout", o.JwksFetchTimeout);
        o.JwksMaxBytes = hookAuth.GetValue("JwksMaxBytes", o.JwksMaxBytes);
        o.JwksMaxAge = hookAuth.GetValue("JwksMaxAge", o.JwksMaxAge);
        o.JwksFailureBackoff = hookAuth.GetValue("JwksFailureBackoff", o.JwksFailureBackoff);
        o.PrefetchJwks = hookAuth.GetValue("PrefetchJwks", o.PrefetchJwks);
        o.ReplayConnectionString = configuration.GetConnectionString("Postgres");
    }
}
