using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using Cds.Fhir.Smart;
using Cds.Tenants;

namespace Cds.Smart;

/// <summary>
/// The app's calls to a tenant's Epic: smart-configuration, the code exchange and the refresh. Only the configured
/// tenant's FHIR base is ever read, and the endpoints it names must be on the same host (a configuration that sends
/// the code or the secret elsewhere is refused). Errors carry the OAuth error code, never a token.
/// </summary>
public sealed class SmartClient(IHttpClientFactory http, TimeProvider time)
{
    public const string HttpClientName = "smart";

    public async Task<SmartEndpoints> DiscoverAsync(SmartTenant tenant, CancellationToken ct)
    {
        using var response = await http.CreateClient(HttpClientName).GetAsync(new Uri(tenant.FhirBase, ".well-known/smart-configuration"), ct);
        response.EnsureSuccessStatusCode();
        using var doc = await JsonDocument.ParseAsync(await response.Content.ReadAsStreamAsync(ct), cancellationToken: ct);
        Uri Endpoint(string name) =>
            doc.RootElement.TryGetProperty(name, out var v) && Uri.TryCreate(v.GetString(), UriKind.Absolute, out var uri)
            && uri.Host.Equals(tenant.FhirBase.Host, StringComparison.OrdinalIgnoreCase) && uri.Scheme == tenant.FhirBase.Scheme
                ? uri
                : throw new SmartLaunchException($"smart-configuration of tenant {tenant.Id}: {name} is missing or not on the FHIR server's host");
        if (doc.RootElement.TryGetProperty("code_challenge_methods_supported", out var methods)
            && !methods.EnumerateArray().Any(m => m.GetString() == "S256"))
        {
            throw new SmartLaunchException($"smart-configuration of tenant {tenant.Id}: PKCE S256 is not supported");
        }
        return new SmartEndpoints(Endpoint("authorization_endpoint"), Endpoint("token_endpoint"));
    }

    public Task<TokenGrant> ExchangeCodeAsync(SmartTenant tenant, SmartEndpoints endpoints, string code, string verifier, CancellationToken ct) =>
        TokenAsync(tenant, endpoints, [new("grant_type", "authorization_code"), new("code", code), new("redirect_uri", tenant.App.RedirectUri!),
            new("code_verifier", verifier)], previous: null, ct);

    public Task<TokenGrant> RefreshAsync(SmartTenant tenant, SmartEndpoints endpoints, TokenGrant current, CancellationToken ct) =>
        TokenAsync(tenant, endpoints, [new("grant_type", "refresh_token"), new("refresh_token", current.RefreshToken!)], current, ct);

    private async Task<TokenGrant> TokenAsync(SmartTenant tenant, SmartEndpoints endpoints, List<KeyValuePair<string, string>> form, TokenGrant? previous, CancellationToken ct)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, endpoints.Token);
        if (tenant.App.ClientType == SmartClientType.Confidential)
        {
            var basic = Uri.EscapeDataString(tenant.App.ClientId!) + ":" + Uri.EscapeDataString(tenant.ClientSecret ?? "");
            request.Headers.Authorization = new AuthenticationHeaderValue("Basic", Convert.ToBase64String(Encoding.UTF8.GetBytes(basic)));
        }
        else
        {
            form.Add(new("client_id", tenant.App.ClientId!));
        }
        request.Content = new FormUrlEncodedContent(form);
        using var response = await http.CreateClient(HttpClientName).SendAsync(request, ct);
        using var doc = await JsonDocument.ParseAsync(await response.Content.ReadAsStreamAsync(ct), cancellationToken: ct);
        var root = doc.RootElement;
        string? Str(string name) => root.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.String ? v.GetString() : null;
        if (!response.IsSuccessStatusCode || Str("access_token") is not { } accessToken)
        {
            throw new SmartLaunchException($"token endpoint of tenant {tenant.Id} refused the {form[0].Value} grant: {Str("error") ?? ((int)response.StatusCode).ToString(System.Globalization.CultureInfo.InvariantCulture)}");
        }
        var expiresIn = root.TryGetProperty("expires_in", out var e) && e.TryGetInt64(out var s) ? s : 300;
        return new TokenGrant(accessToken, time.GetUtcNow().AddSeconds(expiresIn), Str("refresh_token") ?? previous?.RefreshToken, Str("scope") ?? "",
            Str("patient") ?? previous?.Patient, Str("encounter") ?? previous?.Encounter,
            FhirUser(Str("id_token"), tenant) ?? previous?.FhirUser, Str("appContext") ?? previous?.AppContext);
    }

    /// <summary>
    /// The <c>fhirUser</c> of the id_token. It came straight from the token endpoint over the connection we opened, so
    /// (OpenID Connect Core 3.1.3.7) its issuer and audience are checked and the transport stands for the signature.
    /// </summary>
    private static string? FhirUser(string? idToken, SmartTenant tenant)
    {
        if (idToken is null)
        {
            return null;
        }
        var jwt = new Microsoft.IdentityModel.JsonWebTokens.JsonWebToken(idToken);
        var issuerOk = Uri.TryCreate(jwt.Issuer.EndsWith('/') ? jwt.Issuer : jwt.Issuer + "/", UriKind.Absolute, out var iss) && iss == tenant.FhirBase;
        return issuerOk && jwt.Audiences.Contains(tenant.App.ClientId) && jwt.TryGetPayloadValue<string>("fhirUser", out var user) ? user : null;
    }
}
