using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;

namespace Cds.Rules;

/// <summary>The one place <c>Tenants:{id}:Rules</c> is bound (every host that evaluates rules calls it).</summary>
public static class RuleTuningRegistration
{
    /// <summary>
    /// Binds <see cref="RuleTuningOptions"/> to the configuration root (a reload of the tenants file re-tunes without
    /// a restart) and registers <see cref="TenantRuleSets"/>; resolve that at start-up so a bad setting stops the host.
    /// Needs a <see cref="RuleSet"/> registered.
    /// </summary>
    public static IServiceCollection AddTenantRuleTuning(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddOptions<RuleTuningOptions>().Bind(configuration);
        services.AddSingleton<TenantRuleSets>();
        return services;
    }
}
