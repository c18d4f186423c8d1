using System.Collections.Concurrent;
using System.Net;
using System.Text.Json;
using Cds.Fhir.Configuration;
using Cds.Tenants;
using Microsoft.Extensions.Http.Resilience;
using Microsoft.Extensions.Logging;
using Polly;
using Polly.Timeout;

namespace Cds.Fhir.Auth;

/// <summary>
/// SMART Backend Services tokens per tenant and scope set: cached, refreshed ahead of expiry, one refresh in flight
/// per cache key at a time; a caller that got a 401 passes the rejected token to force one refresh.
/// </summary>
public sealed class BackendTokenProvider
{
    public const string HttpClientName = "Cds.Fhir.Token";
    private const string AssertionType = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer";

    private readonly IHttpClientFactory _httpClientFactory;
    private readonly FhirTenantRegistry _tenants;
    private readonly SmartConfigurationCache _smart;
    private readonly FhirMetrics _metrics;
    private readonly TimeProvider _clock;
    private readonly ILogger<BackendTokenProvider> _logger;
    private readonly ConcurrentDictionary<string, Slot> _slots = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, ResiliencePipeline<HttpResponseMessage>> _pipelines = new(StringComparer.OrdinalIgnoreCase);

    public BackendTokenProvider(IHttpClientFactory httpClientFactory, FhirTenantRegistry tenants, SmartConfigurationCache smart,
        FhirMetrics metrics, TimeProvider clock, ILogger<BackendTokenProvider> logger)
    {
        _httpClientFactory = httpClientFactory;
        _tenants = tenants;
        _smart = smart;
        _metrics = metrics;
        _clock = clock;
        _logger = logger;
    }

    /// <summary>A valid token for the tenant's configured scopes.</summary>
    public Task<BackendAccessToken> GetTokenAsync(string tenant, CancellationToken ct) => GetTokenAsync(tenant, null, null, ct);

    /// <summary>
    /// A valid token for <paramref name="scopes"/> (default: the tenant's Backend.Scopes). When
    /// <paramref name="rejectedToken"/> is the cached token (Epic answered 401 to it), it is replaced; when another
    /// caller already replaced it, the new one is returned without a second refresh.
    /// </summary>
    public async Task<BackendAccessToken> GetTokenAsync(string tenant, IReadOnlyCollection<string>? scopes, string? rejectedToken, CancellationToken ct)
    {
        var options = _tenants.Get(tenant);
        var scopeSet = (scopes is { Count: > 0 } ? scopes : options.Backend.Scopes).Select(s => s.Trim()).Distinct(StringComparer.Ordinal)
            .Order(StringComparer.Ordinal).ToList();
        var slot = _slots.GetOrAdd(tenant.ToLowerInvariant() + "\n" + string.Join(' ', scopeSet), _ => new Slot());

        var current = slot.Current;
        if (IsUsable(current, rejectedToken))
        {
            return current!;
        }

        await slot.Gate.WaitAsync(ct).ConfigureAwait(false);
        try
        {
            current = slot.Current;
            if (IsUsable(current, rejectedToken))
            {
                return current!;
            }

            // Refresh-ahead failed earlier and the old token is still valid for a while: keep using it instead of
            // hammering a failing token endpoint on every call.
            var now = _clock.GetUtcNow();
            if (current is not null && rejectedToken is null && now < slot.RetryRefreshAfter && now < current.ExpiresAt - Safety(current))
            {
                return current;
            }

            try
            {
                var fresh = await RequestAsync(tenant, options, scopeSet, ct).ConfigureAwait(false);
                slot.Current = fresh;
                return fresh;
            }
            catch (EpicFhirException ex) when (current is not null && rejectedToken is null && _clock.GetUtcNow() < current.ExpiresAt - Safety(current))
            {
                slot.RetryRefreshAfter = _clock.GetUtcNow() + RefreshRetryPause;
                _logger.LogWarning("Token refresh ahead of expiry failed for tenant {Tenant} ({Error}); the current token stays in use until {ExpiresAt:O}",
                    tenant, ex.GetType().Name, current.ExpiresAt);
                return current;
            }
        }
        finally
        {
            slot.Gate.Release();
        }
    }

    private bool IsUsable(BackendAccessToken? token, string? rejected) =>
        token is not null && _clock.GetUtcNow() < token.RefreshAt && !string.Equals(token.Value, rejected, StringComparison.Ordinal);

    private async Task<BackendAccessToken> RequestAsync(string tenant, TenantSettings options, List<string> scopes, CancellationToken ct)
    {
        var smart = await _smart.GetAsync(tenant, ct).ConfigureAwait(false);
        var clientId = _tenants.GetClientId(tenant);
        var key = _tenants.GetSigningKey(tenant);
        var http = _httpClientFactory.CreateClient(HttpClientName);
        var pipeline = _pipelines.GetOrAdd(tenant, _ => BuildPipeline(options.Resilience));
        var sentAt = _clock.GetUtcNow();

        HttpResponseMessage response;
        try
        {
            response = await pipeline.ExecuteAsync(async token =>
            {
                // A fresh assertion (new jti, new exp) for every attempt: a retried POST must not replay a jti.
                var assertion = ClientAssertion.CreateFresh(key, clientId, smart.TokenEndpoint.AbsoluteUri, options.Backend.KeyId!.Trim(),
                    string.IsNullOrWhiteSpace(options.Backend.Jku) ? null : options.Backend.Jku.Trim(), options.Backend.AssertionLifetime, _clock);
                using var request = new HttpRequestMessage(HttpMethod.Post, smart.TokenEndpoint)
                {
                    Content = new FormUrlEncodedContent([
                        new("grant_type", "client_credentials"),
                        new("client_assertion_type", AssertionType),
                        new("client_assertion", assertion),
                        new("scope", string.Join(' ', scopes)),
                    ]),
                };
                request.Headers.Accept.ParseAdd("application/json");
                return await http.SendAsync(request, token).ConfigureAwait(false);
            }, ct).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is HttpRequestException or TimeoutRejectedException || (ex is OperationCanceledException && !ct.IsCancellationRequested))
        {
            _metrics.TokenFailed(tenant, "unreachable");
            throw new EpicTokenRequestException(tenant, null, null,
                $"Tenant '{tenant}': the token endpoint {smart.TokenEndpoint} could not be reached ({(ex is HttpRequestException h ? h.HttpRequestError.ToString() : "timeout")}).", ex);
        }

        using (response)
        {
            var body = await response.Content.ReadAsStringAsync(ct).ConfigureAwait(false);
            if (response.StatusCode == HttpStatusCode.OK)
            {
                return ParseToken(tenant, body, sentAt, options.Backend.RefreshBeforeExpiry);
            }

            var (error, description) = ParseError(body);
            _metrics.TokenFailed(tenant, error ?? ((int)response.StatusCode).ToString(System.Globalization.CultureInfo.InvariantCulture));
            if (error == "invalid_client")
            {
                _metrics.InvalidClient(tenant, options.Environment.ToString());
                _logger.LogError("Token endpoint answered invalid_client for tenant {Tenant} ({Environment}, {ClientIdKind} client id in force)",
                    tenant, options.Environment, options.ClientIdKind);
                throw new EpicInvalidClientException(tenant, clientId, options.Environment, InvalidClientHint(options, description));
            }

            _logger.LogError("Token endpoint answered {Status} {Error} for tenant {Tenant}", (int)response.StatusCode, error, tenant);
            throw new EpicTokenRequestException(tenant, (int)response.StatusCode, error, TokenErrorMessage(tenant, options, clientId, (int)response.StatusCode, error, description, scopes));
        }
    }

    private BackendAccessToken ParseToken(string tenant, string body, DateTimeOffset sentAt, TimeSpan refreshBeforeExpiry)
    {
        string? value = null, scope = null, tokenType = null;
        double expiresIn = 300;
        try
        {
            using var doc = JsonDocument.Parse(body);
            var root = doc.RootElement;
            if (root.TryGetProperty("access_token", out var at) && at.ValueKind == JsonValueKind.String)
            {
                value = at.GetString();
            }

            if (root.TryGetProperty("token_type", out var tt) && tt.ValueKind == JsonValueKind.String)
            {
                tokenType = tt.GetString();
            }

            if (root.TryGetProperty("scope", out var sc) && sc.ValueKind == JsonValueKind.String)
            {
                scope = sc.GetString();
            }

            if (root.TryGetProperty("expires_in", out var ei))
            {
                if (ei.ValueKind == JsonValueKind.Number)
                {
                    expiresIn = ei.GetDouble();
                }
                else if (ei.ValueKind == JsonValueKind.String && double.TryParse(ei.GetString(), System.Globalization.CultureInfo.InvariantCulture, out var parsed))
                {
                    expiresIn = parsed;
                }
            }
        }
        catch (JsonException)
        {
            value = null;
        }

        if (string.IsNullOrEmpty(value) || (tokenType is not null && !tokenType.Equals("bearer", StringComparison.OrdinalIgnoreCase)) || expiresIn <= 0)
        {
            _metrics.TokenFailed(tenant, "malformed_response");
            throw new EpicTokenRequestException(tenant, 200, null,
                $"Tenant '{tenant}': the token endpoint answered 200 without a usable bearer access_token/expires_in.");
        }

        var lifetime = TimeSpan.FromSeconds(expiresIn);
        var margin = TimeSpan.FromTicks(Math.Min(refreshBeforeExpiry.Ticks, lifetime.Ticks / 5));
        _metrics.TokenRefreshed(tenant);
        _logger.LogInformation("New backend access token for tenant {Tenant}, valid {Lifetime}", tenant, lifetime);
        return new BackendAccessToken(value, sentAt, sentAt + lifetime, sentAt + lifetime - margin, scope);
    }

    private static (string? Error, string? Description) ParseError(string body)
    {
        try
        {
            using var doc = JsonDocument.Parse(body);
            var root = doc.RootElement;
            if (root.ValueKind != JsonValueKind.Object)
            {
                return (null, null);
            }

            var error = root.TryGetProperty("error", out var e) && e.ValueKind == JsonValueKind.String ? e.GetString() : null;
            var description = root.TryGetProperty("error_description", out var d) && d.ValueKind == JsonValueKind.String ? d.GetString() : null;
            return (error, description is { Length: > 300 } ? description[..300] : description);
        }
        catch (JsonException)
        {
            return (null, null);
        }
    }

    private static string InvalidClientHint(TenantSettings o, string? description)
    {
        var keyId = o.Backend.KeyId;
        var hint = o.Environment == EpicEnvironment.Production
            ? "The PROD client id is in force (Backend.ProdClientId). Epic refuses NONPROD ids in production, and a PROD id works only after the " +
              $"customer has downloaded (activated) the app in their production environment; also check that the public key with kid '{keyId}' is registered for production."
            : "The NONPROD client id is in force (Backend.NonProdClientId). Epic refuses PROD ids outside production: check that this is the app's " +
              $"Non-Production Client ID and that the public key with kid '{keyId}' is registered for non-production.";
        if (o.FhirBaseUrl?.Contains(TenantOptionsValidator.EpicPublicSandboxHost, StringComparison.OrdinalIgnoreCase) == true)
        {
            hint += " On Epic's public sandbox, new or changed registrations can take up to a day to propagate.";
        }

        return string.IsNullOrEmpty(description) ? hint : $"{hint} Server said: \"{description}\".";
    }

    private static string TokenErrorMessage(string tenant, TenantSettings o, string clientId, int status, string? error, string? description, List<string> scopes)
    {
        var what = $"Tenant '{tenant}': the token endpoint refused client id '{clientId}' ({o.ClientIdKind}, {o.Environment}) with {status}" +
                   (error is null ? "" : $" {error}") + (string.IsNullOrEmpty(description) ? "." : $": \"{description}\".");
        return error switch
        {
            "invalid_scope" => $"{what} Requested scopes: {string.Join(' ', scopes)}; each must be covered by an Incoming API registered on the app.",
            "invalid_grant" => $"{what} The client assertion was refused: check that kid '{o.Backend.KeyId}' names the registered public key, that the private key matches it, and the clock of this host.",
            "unauthorized_client" => $"{what} The app is not allowed the client_credentials grant: register it as a Backend Services app.",
            _ when status is 429 or >= 500 => $"{what} Epic is throttling or failing; retries were exhausted.",
            _ => what,
        };
    }

    private static ResiliencePipeline<HttpResponseMessage> BuildPipeline(FhirResilienceOptions r) =>
        new ResiliencePipelineBuilder<HttpResponseMessage>()
            .AddRetry(new HttpRetryStrategyOptions
            {
                MaxRetryAttempts = Math.Max(1, r.MaxRetryAttempts),
                Delay = r.RetryBaseDelay,
                MaxDelay = r.MaxRetryDelay,
                BackoffType = DelayBackoffType.Exponential,
                UseJitter = true,
                ShouldRetryAfterHeader = true,
            })
            .AddTimeout(r.AttemptTimeout)
            .Build();

    /// <summary>
    /// A token this close to expiry is not used even when a refresh fails (a request in flight must still be valid on
    /// arrival): 1 s, or half the refresh margin for very short-lived tokens.
    /// </summary>
    private static TimeSpan Safety(BackendAccessToken token) =>
        TimeSpan.FromTicks(Math.Min(TimeSpan.FromSeconds(1).Ticks, (token.ExpiresAt - token.RefreshAt).Ticks / 2));

    /// <summary>After a failed refresh-ahead, how long the still-valid token is used before the next refresh attempt.</summary>
    private static readonly TimeSpan RefreshRetryPause = TimeSpan.FromSeconds(2);

    private sealed class Slot
    {
        public SemaphoreSlim Gate { get; } = new(1, 1);
        public volatile BackendAccessToken? Current;
        public DateTimeOffset RetryRefreshAfter { get; set; } = DateTimeOffset.MinValue;
    }
}
