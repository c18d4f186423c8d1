using System.Diagnostics;
using System.Net;
using System.Text.RegularExpressions;
using Cds.Fhir.Configuration;
using Microsoft.Extensions.Logging;

namespace Cds.Fhir.Http;

/// <summary>
/// Turns a 403 into
/// <see cref="EpicNotAuthorizedForServiceException"/> (never retried), and enforces the call's byte budget by reading
/// at most the remaining bytes of a page.
/// </summary>
internal sealed partial class EpicResponseHandler : DelegatingHandler
{
    private readonly string _tenant;
    private readonly FhirTenantRegistry _tenants;
    private readonly FhirMetrics _metrics;
    private readonly ILogger _logger;

    public EpicResponseHandler(string tenant, FhirTenantRegistry tenants, FhirMetrics metrics, ILogger<EpicResponseHandler> logger)
    {
        _tenant = tenant;
        _tenants = tenants;
        _metrics = metrics;
        _logger = logger;
    }

    protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        var scope = FhirCallScope.Current;
        var (resource, interaction) = Describe(request);
        var started = Stopwatch.GetTimestamp();
        // Counted by the FhirMeteringHandler inside this one (each attempt, token kind "backend").
        var response = await base.SendAsync(request, cancellationToken).ConfigureAwait(false);
        var status = (int)response.StatusCode;
        var elapsed = Stopwatch.GetElapsedTime(started);
        _logger.LogDebug("FHIR {Resource} {Interaction} for tenant {Tenant}: {Status} in {ElapsedMs:0} ms", resource, interaction, _tenant, status, elapsed.TotalMilliseconds);
        if (scope is not null)
        {
            scope.LastStatus = status;
            scope.LastRetryAfterSeconds = RetryAfterSeconds(response);
        }

        if (response.StatusCode == HttpStatusCode.Forbidden)
        {
            var description = ErrorDescription(response);
            response.Dispose();
            _metrics.Forbidden(_tenant, resource, interaction);
            _logger.LogError("403 from Epic for tenant {Tenant}: not authorized for {Resource} {Interaction}", _tenant, resource, interaction);
            string? clientId;
            try
            {
                clientId = _tenants.GetClientId(_tenant);
            }
            catch (TenantConfigurationException)
            {
                clientId = null;
            }

            throw new EpicNotAuthorizedForServiceException(_tenant, clientId, resource, interaction, description);
        }

        if (response.IsSuccessStatusCode && scope?.ByteBudget is long budget)
        {
            await BufferWithinBudgetAsync(response, scope, budget, cancellationToken).ConfigureAwait(false);
        }

        return response;
    }

    private static async Task BufferWithinBudgetAsync(HttpResponseMessage response, FhirCallScope scope, long budget, CancellationToken ct)
    {
        var remaining = budget - scope.BytesRead;
        var declared = response.Content.Headers.ContentLength;
        if (declared > remaining)
        {
            response.Dispose();
            throw new ByteBudgetExceededException(budget, scope.BytesRead, declared);
        }

        await using var stream = await response.Content.ReadAsStreamAsync(ct).ConfigureAwait(false);
        using var buffer = new MemoryStream();
        var chunk = new byte[81920];
        int n;
        while ((n = await stream.ReadAsync(chunk, ct).ConfigureAwait(false)) > 0)
        {
            if (buffer.Length + n > remaining)
            {
                response.Dispose();
                throw new ByteBudgetExceededException(budget, scope.BytesRead, null);
            }

            buffer.Write(chunk, 0, n);
        }

        var content = new ByteArrayContent(buffer.ToArray());
        foreach (var header in response.Content.Headers)
        {
            content.Headers.TryAddWithoutValidation(header.Key, header.Value);
        }

        content.Headers.ContentLength = buffer.Length;
        response.Content = content;
        scope.AddBytes(buffer.Length);
    }

    /// <summary>Resource type and interaction of a request: from the current call scope, else from method and path.</summary>
    internal static (string Resource, FhirInteraction Interaction) Describe(HttpRequestMessage request)
    {
        if (FhirCallScope.Current is { } scope)
        {
            return (scope.Resource, scope.Interaction);
        }

        var segments = request.RequestUri?.AbsolutePath.Split('/', StringSplitOptions.RemoveEmptyEntries) ?? [];
        var r4 = Array.FindLastIndex(segments, s => s.Equals("R4", StringComparison.OrdinalIgnoreCase));
        var rest = r4 >= 0 ? segments[(r4 + 1)..] : segments.Length > 0 ? segments[^Math.Min(2, segments.Length)..] : [];
        if (rest.Length == 0)
        {
            return ("unknown", FhirInteraction.Other);
        }

        var type = ResourceTypePattern().IsMatch(rest[0]) ? rest[0] : "unknown";
        if (type == "metadata")
        {
            return ("CapabilityStatement", FhirInteraction.Capabilities);
        }

        var interaction = request.Method == HttpMethod.Post
            ? rest.Length > 1 && rest[1] == "_search" ? FhirInteraction.Search : FhirInteraction.Create
            : request.Method == HttpMethod.Get ? rest.Length > 1 ? FhirInteraction.Read : FhirInteraction.Search : FhirInteraction.Other;
        return (type, interaction);
    }

    private static string? ErrorDescription(HttpResponseMessage response)
    {
        foreach (var challenge in response.Headers.WwwAuthenticate)
        {
            var m = ErrorDescriptionPattern().Match(challenge.Parameter ?? "");
            if (m.Success)
            {
                return m.Groups[1].Value;
            }
        }

        return null;
    }

    private static double? RetryAfterSeconds(HttpResponseMessage response)
    {
        var retryAfter = response.Headers.RetryAfter;
        if (retryAfter?.Delta is { } delta)
        {
            return delta.TotalSeconds;
        }

        return retryAfter?.Date is { } date ? Math.Max(0, (date - DateTimeOffset.UtcNow).TotalSeconds) : null;
    }

    [GeneratedRegex("^[A-Za-z]+$")]
    private static partial Regex ResourceTypePattern();

    [GeneratedRegex("error_description=\"([^\"]*)\"")]
    private static partial Regex ErrorDescriptionPattern();
}
