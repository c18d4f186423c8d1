using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace Cds.Fhir.Http;

public static class FhirMeteringExtensions
{
    /// <summary>
    /// Meters this HttpClient's FHIR calls (<see cref="FhirMeteringHandler"/>) as <paramref name="tokenKind"/> calls; the
    /// <c>Cds.Fhir</c> meter is registered too. Add it last, so it wraps the primary handler and counts each attempt.
    /// </summary>
    public static IHttpClientBuilder AddFhirCallMetering(this IHttpClientBuilder builder, FhirTokenKind tokenKind, string? tenant = null)
    {
        builder.Services.AddMetrics();
        builder.Services.TryAddSingleton(TimeProvider.System);
        builder.Services.TryAddSingleton<FhirMetrics>();
        return builder.AddHttpMessageHandler(sp => new FhirMeteringHandler(sp.GetRequiredService<FhirMetrics>(), tokenKind, tenant));
    }
}
