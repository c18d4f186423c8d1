using System.Collections.Concurrent;
using System.Net;
using System.Text.Json;
using Cds.Fhir.Configuration;

namespace Cds.Fhir.Auth;

/// <summary>
/// Finds the token endpoint from <c>{FhirBase}/.well-known/smart-configuration</c>, once per FHIR base (concurrent
/// first callers share one request; failures are not cached).
/// </summary>
public sealed class SmartConfigurationCache
{
    public const string HttpClientName = "Cds.Fhir.Smart";

    private readonly IHttpClientFactory _httpClientFactory;
    private readonly FhirTenantRegistry _tenants;
    private readonly ConcurrentDictionary<Uri, Lazy<Task<SmartConfiguration>>> _cache = new();

    public SmartConfigurationCache(IHttpClientFactory httpClientFactory, FhirTenantRegistry tenants)
    {
        _httpClientFactory = httpClientFactory;
        _tenants = tenants;
    }

    public async Task<SmartConfiguration> GetAsync(string tenant, CancellationToken ct)
    {
        var fhirBase = _tenants.GetFhirBase(tenant);
        var lazy = _cache.GetOrAdd(fhirBase, b => new Lazy<Task<SmartConfiguration>>(() => FetchAsync(tenant, b)));
        try
        {
            return await lazy.Value.WaitAsync(ct).ConfigureAwait(false);
        }
        catch (Exception) when (!ct.IsCancellationRequested)
        {
            _cache.TryRemove(new KeyValuePair<Uri, Lazy<Task<SmartConfiguration>>>(fhirBase, lazy));
            throw;
        }
    }

    /// <summary>Forgets every cached document (e.g. after a tenant's configuration changed).</summary>
    public void Clear() => _cache.Clear();

    private async Task<SmartConfiguration> FetchAsync(string tenant, Uri fhirBase)
    {
        var url = new Uri(fhirBase, ".well-known/smart-configuration");
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        HttpResponseMessage response;
        try
        {
            response = await _httpClientFactory.CreateClient(HttpClientName).SendAsync(
                new HttpRequestMessage(HttpMethod.Get, url) { Headers = { { "Accept", "application/json" } } }, cts.Token).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is HttpRequestException or OperationCanceledException)
        {
            throw new EpicTokenRequestException(tenant, null, null,
                $"Tenant '{tenant}': cannot reach {url} to discover the token endpoint ({(ex is HttpRequestException h ? h.HttpRequestError.ToString() : "timeout")}); check FhirBaseUrl.", ex);
        }

        using (response)
        {
            if (response.StatusCode != HttpStatusCode.OK)
            {
                throw new EpicTokenRequestException(tenant, (int)response.StatusCode, null,
                    $"Tenant '{tenant}': GET {url} answered {(int)response.StatusCode}; FhirBaseUrl must be the organisation's FHIR R4 base, which serves .well-known/smart-configuration.");
            }

            try
            {
                await using var stream = await response.Content.ReadAsStreamAsync(cts.Token).ConfigureAwait(false);
                using var doc = await JsonDocument.ParseAsync(stream, cancellationToken: cts.Token).ConfigureAwait(false);
                var root = doc.RootElement;
                var tokenEndpoint = root.TryGetProperty("token_endpoint", out var te) && te.ValueKind == JsonValueKind.String ? te.GetString() : null;
                if (tokenEndpoint is null || !Uri.TryCreate(tokenEndpoint, UriKind.Absolute, out var tokenUri) ||
                    (tokenUri.Scheme != Uri.UriSchemeHttps && !(tokenUri.Scheme == Uri.UriSchemeHttp && tokenUri.IsLoopback)))
                {
                    throw new EpicTokenRequestException(tenant, 200, null,
                        $"Tenant '{tenant}': {url} has no usable absolute https token_endpoint.");
                }

                return new SmartConfiguration(tokenUri, Strings(root, "grant_types_supported"),
                    Strings(root, "token_endpoint_auth_signing_alg_values_supported"), Strings(root, "capabilities"));
            }
            catch (JsonException)
            {
                throw new EpicTokenRequestException(tenant, 200, null, $"Tenant '{tenant}': {url} is not JSON.");
            }
        }
    }

    private static List<string> Strings(JsonElement root, string name) =>
        root.TryGetProperty(name, out var a) && a.ValueKind == JsonValueKind.Array
            ? a.EnumerateArray().Where(e => e.ValueKind == JsonValueKind.String).Select(e => e.GetString()!).ToList()
            : [];
}
