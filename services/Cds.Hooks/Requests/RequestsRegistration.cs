using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;

namespace Cds.Hooks.Requests;

/// <summary>DI registration of the request reading pieces.</summary>
public static class RequestsRegistration
{
    /// <summary>
    /// Registers <see cref="HookRequestReaderOptions"/> (bound from <c>CdsHooks:Requests</c>), <see cref="HookRequestMetrics"/>
    /// and <see cref="HookReaderWarmUp"/> (loads the FHIR model before the first hook call). The validators are not services:
    /// the readers hold them (<see cref="HookValidators"/>, <see cref="FeedbackReader"/>).
    /// </summary>
    public static IServiceCollection AddHookRequestReading(this IServiceCollection services, IConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        services.AddOptions<HookRequestReaderOptions>()
            .Bind(configuration.GetSection(HookRequestReaderOptions.SectionName))
            .Validate(o => o.MaxDepth is > 0 and <= 256 && o.MaxArrayItems > 0 && o.MaxBodyBytes > 0, "CdsHooks:Requests limits must be positive (MaxDepth ≤ 256).");
        services.AddMetrics();
        services.AddSingleton<HookRequestMetrics>();
        services.AddHostedService<HookReaderWarmUp>();
        return services;
    }
}
