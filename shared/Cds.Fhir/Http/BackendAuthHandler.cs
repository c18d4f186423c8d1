using System.Net;
using System.Net.Http.Headers;
using Cds.Fhir.Auth;
using Microsoft.Extensions.Logging;

namespace Cds.Fhir.Http;

/// <summary>
/// Puts the tenant's backend token on every attempt (the cache refreshes it ahead of expiry). A 401 gets one forced
/// refresh and one retry; a second 401 becomes <see cref="EpicUnauthorizedException"/>.
/// </summary>
internal sealed class BackendAuthHandler : DelegatingHandler
{
    private readonly string _tenant;
    private readonly BackendTokenProvider _tokens;
    private readonly FhirMetrics _metrics;
    private readonly ILogger _logger;

    public BackendAuthHandler(string tenant, BackendTokenProvider tokens, FhirMetrics metrics, ILogger<BackendAuthHandler> logger)
    {
        _tenant = tenant;
        _tokens = tokens;
        _metrics = metrics;
        _logger = logger;
    }

    protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        var token = await _tokens.GetTokenAsync(_tenant, cancellationToken).ConfigureAwait(false);
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token.Value);
        var response = await base.SendAsync(request, cancellationToken).ConfigureAwait(false);
        if (response.StatusCode != HttpStatusCode.Unauthorized)
        {
            return response;
        }

        response.Dispose();
        _metrics.UnauthorizedRetry(_tenant);
        var (resource, interaction) = EpicResponseHandler.Describe(request);
        _logger.LogWarning("401 from Epic for tenant {Tenant} on {Resource} {Interaction}: forcing one token refresh and one retry", _tenant, resource, interaction);

        token = await _tokens.GetTokenAsync(_tenant, null, token.Value, cancellationToken).ConfigureAwait(false);
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token.Value);
        response = await base.SendAsync(request, cancellationToken).ConfigureAwait(false);
        if (response.StatusCode == HttpStatusCode.Unauthorized)
        {
            response.Dispose();
            throw new EpicUnauthorizedException(_tenant, resource, interaction);
        }

        return response;
    }
}
