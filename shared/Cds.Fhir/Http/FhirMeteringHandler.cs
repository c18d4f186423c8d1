using System.Diagnostics;

namespace Cds.Fhir.Http;

/// <summary>
/// Counts every FHIR HTTP attempt in <c>cds.fhir.requests</c> and <c>cds.fhir.request.duration</c> by tenant, resource
/// type, interaction, status (0 = no answer) and token kind. One handler for every FHIR HttpClient of every process:
/// the backend client of each tenant and the hooks service's prefetch client, so a hook that read the EHR moves the
/// same series as an enrichment that did. It sits innermost (next to the socket), so each retry is one call.
/// </summary>
public sealed class FhirMeteringHandler : DelegatingHandler
{
    private static readonly HttpRequestOptionsKey<string> TenantKey = new("cds.fhir.tenant");
    private static readonly HttpRequestOptionsKey<string> ResourceKey = new("cds.fhir.resource");

    private readonly string? _tenant;
    private readonly FhirMetrics _metrics;
    private readonly string _tokenKind;

    /// <param name="tenant">The client's tenant; null for a client shared by tenants (each request then names its own).</param>
    public FhirMeteringHandler(FhirMetrics metrics, FhirTokenKind tokenKind, string? tenant = null)
    {
        _metrics = metrics;
        _tenant = tenant;
        _tokenKind = tokenKind == FhirTokenKind.Hook ? "hook" : "backend";
    }

    /// <summary>Names the tenant (and, when the URL may not say it plainly, the resource type) of a request on a shared client.</summary>
    public static void Describe(HttpRequestMessage request, string tenant, string? resourceType = null)
    {
        request.Options.Set(TenantKey, tenant);
        if (!string.IsNullOrEmpty(resourceType))
        {
            request.Options.Set(ResourceKey, resourceType);
        }
    }

    protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        var tenant = _tenant ?? (request.Options.TryGetValue(TenantKey, out var named) ? named : "unknown");
        var (resource, interaction) = EpicResponseHandler.Describe(request);
        if (request.Options.TryGetValue(ResourceKey, out var declared))
        {
            resource = declared;
        }

        var started = Stopwatch.GetTimestamp();
        try
        {
            var response = await base.SendAsync(request, cancellationToken).ConfigureAwait(false);
            _metrics.Request(tenant, resource, interaction, (int)response.StatusCode, _tokenKind, Stopwatch.GetElapsedTime(started).TotalSeconds);
            return response;
        }
        catch (Exception ex) when (ex is HttpRequestException or OperationCanceledException)
        {
            _metrics.Request(tenant, resource, interaction, 0, _tokenKind, Stopwatch.GetElapsedTime(started).TotalSeconds);
            throw;
        }
    }
}
