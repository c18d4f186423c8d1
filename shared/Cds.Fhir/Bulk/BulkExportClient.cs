using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using Cds.Fhir.Configuration;
using Cds.Tenants;
using Microsoft.Extensions.Logging;

namespace Cds.Fhir.Bulk;

/// <summary>
/// The Bulk Data client of a tenant, on the tenant's SMART backend token: Group <c>$export</c> kick-off (async),
/// status polls honouring Retry-After, the manifest, NDJSON files read as streams and resumed where they broke, and
/// the final DELETE. No retry handler sits under it: every wait is its own, so a 429 cooldown is waited out instead of
/// retried. Nothing of the files' content is ever logged.
/// </summary>
public sealed class BulkExportClient
{
    /// <summary>The HttpClient name carrying the backend token (kick-off, polls, files that require it).</summary>
    public static string HttpClientName(string tenant) => "Cds.Fhir.Bulk." + tenant.ToLowerInvariant();

    /// <summary>The HttpClient without a token, for files served elsewhere (requiresAccessToken false).</summary>
    public const string PlainFileClientName = "Cds.Fhir.Bulk.Files";

    private readonly IHttpClientFactory _http;
    private readonly FhirTenantRegistry _tenants;
    private readonly IEpicFhirClientFactory _clients;
    private readonly BulkMetrics _metrics;
    private readonly TimeProvider _time;
    private readonly ILogger<BulkExportClient> _logger;

    public BulkExportClient(IHttpClientFactory http, FhirTenantRegistry tenants, IEpicFhirClientFactory clients, BulkMetrics metrics,
        TimeProvider time, ILogger<BulkExportClient> logger)
    {
        _http = http;
        _tenants = tenants;
        _clients = clients;
        _metrics = metrics;
        _time = time;
        _logger = logger;
    }

    public BulkMetrics Metrics => _metrics;

    public BulkExportOptions Options(string tenant) => _tenants.Get(tenant).Bulk;

    /// <summary>
    /// True when <c>_since</c> may be sent to this tenant: its configuration says Epic honours it AND its
    /// CapabilityStatement declares the Bulk Data Group export operation (which defines <c>_since</c>).
    /// </summary>
    public async Task<bool> SinceSupportedAsync(string tenant, CancellationToken ct)
    {
        if (!Options(tenant).SinceSupported)
        {
            return false;
        }

        try
        {
            var capability = await _clients.ForTenant(tenant).GetCapabilityStatementAsync(ct).ConfigureAwait(false);
            return capability.Rest.SelectMany(r => r.Resource).Where(r => r.Type == "Group").SelectMany(r => r.Operation)
                .Any(o => o.Name == "export" && (o.Definition ?? "").Contains("bulkdata/OperationDefinition/group-export", StringComparison.Ordinal));
        }
        catch (EpicFhirException ex)
        {
            _logger.LogWarning("CapabilityStatement of tenant {Tenant} unavailable ({Error}): exporting without _since", tenant, ex.GetType().Name);
            return false;
        }
    }

    /// <summary>
    /// Kicks off <c>Group/{groupId}/$export</c> (Prefer: respond-async) and answers the status URL. A 429 "too recently"
    /// is a cooldown: reported, waited out for its Retry-After (at most <see cref="BulkExportOptions.MaxCooldownWait"/>),
    /// then asked once more, at most <see cref="BulkExportOptions.MaxCooldowns"/> times.
    /// </summary>
    public async Task<BulkKickOff> KickOffAsync(string tenant, string groupId, IReadOnlyCollection<string> types, DateTimeOffset? since,
        Func<BulkWait, ValueTask>? onWait, CancellationToken ct)
    {
        ArgumentException.ThrowIfNullOrEmpty(groupId);
        var options = Options(tenant);
        var query = new StringBuilder("?_type=").Append(Uri.EscapeDataString(string.Join(',', types)));
        if (since is { } s)
        {
            query.Append("&_since=").Append(Uri.EscapeDataString(s.ToUniversalTime().ToString("yyyy-MM-dd'T'HH:mm:ss.fff'Z'", CultureInfo.InvariantCulture)));
        }

        var url = new Uri(_tenants.GetFhirBase(tenant), "Group/" + Uri.EscapeDataString(groupId) + "/$export" + query);
        var cooldowns = 0;
        var transient = 0;
        while (true)
        {
            using var request = new HttpRequestMessage(HttpMethod.Get, url);
            request.Headers.Add("Prefer", "respond-async");
            request.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue("application/fhir+json"));
            using var response = await SendAsync(tenant, HttpClientName(tenant), request, ct).ConfigureAwait(false);
            if (response is null)
            {
                await TransientAsync(tenant, null, null, ++transient, options, onWait, ct).ConfigureAwait(false);
                continue;
            }

            var status = (int)response.StatusCode;
            if (status == 202)
            {
                var location = response.Content.Headers.ContentLocation
                               ?? (response.Headers.TryGetValues("Content-Location", out var values) ? new Uri(values.First(), UriKind.RelativeOrAbsolute) : null);
                if (location is null)
                {
                    throw new BulkExportException(tenant, "kick-off answered 202 without a Content-Location", status);
                }

                return new BulkKickOff(location.IsAbsoluteUri ? location : new Uri(url, location), url.PathAndQuery, since);
            }

            if (status == 429)
            {
                var wait = BulkResponses.RetryAfter(response, _time.GetUtcNow()) ?? options.DefaultPollInterval;
                if (wait > options.MaxCooldownWait || ++cooldowns > options.MaxCooldowns)
                {
                    throw new BulkExportException(tenant, $"Epic refuses a new export of this Group for {wait.TotalSeconds:0} s (export requested too recently)",
                        status, retryable: true, retryAt: _time.GetUtcNow() + wait);
                }

                _metrics.Cooldown(tenant);
                _logger.LogInformation("Export kick-off for tenant {Tenant} met a cooldown: waiting {Seconds} s before asking once more", tenant, wait.TotalSeconds);
                await WaitAsync(new BulkWait(BulkWaitReason.Cooldown, wait, null, status), onWait, ct).ConfigureAwait(false);
                continue;
            }

            if (BulkResponses.IsTransient(status))
            {
                await TransientAsync(tenant, response, status, ++transient, options, onWait, ct).ConfigureAwait(false);
                continue;
            }

            throw new BulkExportException(tenant, $"kick-off refused with {status}{await BulkResponses.OutcomeCodesAsync(response, ct).ConfigureAwait(false)}", status);
        }
    }

    /// <summary>
    /// Polls the status URL until the manifest is ready: each 202 reports X-Progress and waits its Retry-After (bounded);
    /// 429/503/5xx and network errors wait and poll again (at most <see cref="BulkExportOptions.MaxTransientFailures"/> in a row).
    /// </summary>
    public async Task<BulkManifest> WaitForManifestAsync(string tenant, Uri statusUrl, Func<BulkWait, ValueTask>? onWait, CancellationToken ct)
    {
        var options = Options(tenant);
        var started = _time.GetUtcNow();
        var transient = 0;
        while (true)
        {
            if (_time.GetUtcNow() - started > options.MaxExportDuration)
            {
                throw new BulkExportException(tenant, $"the export did not finish within {options.MaxExportDuration}", retryable: true);
            }

            using var request = new HttpRequestMessage(HttpMethod.Get, statusUrl);
            request.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue("application/json"));
            using var response = await SendAsync(tenant, HttpClientName(tenant), request, ct).ConfigureAwait(false);
            if (response is null)
            {
                await TransientAsync(tenant, null, null, ++transient, options, onWait, ct).ConfigureAwait(false);
                continue;
            }

            var status = (int)response.StatusCode;
            if (status == 200)
            {
                var body = await response.Content.ReadAsByteArrayAsync(ct).ConfigureAwait(false);
                try
                {
                    return BulkManifest.Parse(body, statusUrl);
                }
                catch (Exception ex) when (ex is FormatException or JsonException)
                {
                    throw new BulkExportException(tenant, "the export manifest could not be read: " + (ex is FormatException ? ex.Message : "not JSON"), status, inner: ex);
                }
            }

            if (status == 202)
            {
                transient = 0;
                var progress = response.Headers.TryGetValues("X-Progress", out var p) ? BulkResponses.Truncate(p.FirstOrDefault()) : null;
                var wait = BulkResponses.Clamp(BulkResponses.RetryAfter(response, _time.GetUtcNow()) ?? options.DefaultPollInterval, options.MaxPollInterval);
                _metrics.PollWait(tenant, "in_progress");
                await WaitAsync(new BulkWait(BulkWaitReason.InProgress, wait, progress, status), onWait, ct).ConfigureAwait(false);
                continue;
            }

            if (status == 429 || BulkResponses.IsTransient(status))
            {
                await TransientAsync(tenant, response, status, ++transient, options, onWait, ct).ConfigureAwait(false);
                continue;
            }

            // 4xx/5xx with an OperationOutcome: the export failed (or expired, 404) on Epic's side.
            throw new BulkExportException(tenant, $"the export failed with {status}{await BulkResponses.OutcomeCodesAsync(response, ct).ConfigureAwait(false)}", status,
                retryable: status == 404);
        }
    }

    /// <summary>
    /// Reads one NDJSON file line by line as it streams. <paramref name="resumeAt"/> is the part already imported (complete
    /// lines and their bytes, from an earlier run): the download asks for the rest with a byte Range, and a server that
    /// ignores Range (200) has those lines skipped. A download that breaks is resumed the same way from its last complete line.
    /// </summary>
    public IAsyncEnumerable<NdjsonLine> ReadFileAsync(string tenant, BulkOutputFile file, bool requiresAccessToken, NdjsonPosition resumeAt,
        Func<NdjsonDownloadEvent, ValueTask>? onEvent = null, CancellationToken ct = default) =>
        new NdjsonDownload(this, tenant, file.Url, requiresAccessToken, resumeAt, onEvent).ReadAllAsync(ct);

    /// <summary>DELETE of the status URL: the export is done with (or abandoned) and Epic may drop its files. 404 counts as done.</summary>
    public async Task<bool> DeleteAsync(string tenant, Uri statusUrl, CancellationToken ct)
    {
        using var request = new HttpRequestMessage(HttpMethod.Delete, statusUrl);
        using var response = await SendAsync(tenant, HttpClientName(tenant), request, ct).ConfigureAwait(false);
        var ok = response is not null && (response.IsSuccessStatusCode || response.StatusCode == HttpStatusCode.NotFound);
        if (!ok)
        {
            _logger.LogWarning("DELETE of an export status URL for tenant {Tenant} answered {Status}", tenant, response is null ? 0 : (int)response.StatusCode);
        }

        return ok;
    }

    /// <summary>Sends with the per-request timeout; null on a network error or timeout (a transient failure to wait out).</summary>
    internal async Task<HttpResponseMessage?> SendAsync(string tenant, string clientName, HttpRequestMessage request, CancellationToken ct,
        HttpCompletionOption completion = HttpCompletionOption.ResponseContentRead)
    {
        var http = _http.CreateClient(clientName);
        Http.FhirMeteringHandler.Describe(request, tenant, "Group");
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(ct);
        timeout.CancelAfter(Options(tenant).RequestTimeout);
        try
        {
            return await http.SendAsync(request, completion, timeout.Token).ConfigureAwait(false);
        }
        catch (HttpRequestException ex)
        {
            _logger.LogWarning("Bulk request for tenant {Tenant} failed: {Error}", tenant, ex.HttpRequestError);
            return null;
        }
        catch (OperationCanceledException) when (!ct.IsCancellationRequested)
        {
            _logger.LogWarning("Bulk request for tenant {Tenant} timed out after {Timeout}", tenant, Options(tenant).RequestTimeout);
            return null;
        }
    }

    internal HttpClient FileClient(string tenant, bool requiresAccessToken) =>
        _http.CreateClient(requiresAccessToken ? HttpClientName(tenant) : PlainFileClientName);

    /// <summary>
    /// The backend token goes only to the tenant's own FHIR server (same scheme, host and port): a manifest naming a file
    /// elsewhere with requiresAccessToken is refused rather than hand the token to another host.
    /// </summary>
    internal void EnsureTokenMayGoTo(string tenant, Uri fileUrl)
    {
        var fhirBase = _tenants.GetFhirBase(tenant);
        if (Uri.Compare(fhirBase, fileUrl, UriComponents.SchemeAndServer, UriFormat.Unescaped, StringComparison.OrdinalIgnoreCase) != 0)
        {
            throw new BulkExportException(tenant, "the manifest asks for the access token on a file outside the tenant's FHIR server; not sent");
        }
    }

    internal TimeProvider Time => _time;

    internal ILogger Logger => _logger;

    private async Task TransientAsync(string tenant, HttpResponseMessage? response, int? status, int failures, BulkExportOptions options,
        Func<BulkWait, ValueTask>? onWait, CancellationToken ct)
    {
        if (failures > options.MaxTransientFailures)
        {
            throw new BulkExportException(tenant, $"{failures - 1} transient failures in a row (last: {(status is null ? "no answer" : status.ToString())})",
                status, retryable: true);
        }

        var backoff = TimeSpan.FromSeconds(Math.Min(Math.Pow(2, failures - 1), options.MaxPollInterval.TotalSeconds));
        var wait = BulkResponses.Clamp(response is null ? backoff : BulkResponses.RetryAfter(response, _time.GetUtcNow()) ?? backoff, options.MaxPollInterval);
        _metrics.PollWait(tenant, "transient");
        await WaitAsync(new BulkWait(BulkWaitReason.Transient, wait, null, status), onWait, ct).ConfigureAwait(false);
    }

    private async Task WaitAsync(BulkWait wait, Func<BulkWait, ValueTask>? onWait, CancellationToken ct)
    {
        if (onWait is not null)
        {
            await onWait(wait).ConfigureAwait(false);
        }

        await Task.Delay(wait.Delay, _time, ct).ConfigureAwait(false);
    }
}
