using System.Collections.Concurrent;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json.Nodes;
using Microsoft.IdentityModel.Tokens;

namespace Cds.EpicSandbox;

/// <summary>
/// The token endpoint's side of SMART App Launch: the <c>authorization_code</c> grant (single-use, short-lived codes, PKCE S256
/// verifier, same client and redirect URI) and the <c>refresh_token</c> grant, with client-secret authentication for confidential
/// clients; the token response carries <c>patient</c>, <c>encounter</c>, <c>id_token</c>, <c>refresh_token</c> (with
/// <c>offline_access</c>) and the link's <c>appContext</c>.
/// </summary>
internal sealed class SmartTokenGrants(EpicSandboxServer server)
{
    private sealed record Refresh(RegisteredClient Client, string ClientId, IReadOnlyList<string> Scopes, LaunchContext Context);

    private readonly ConcurrentDictionary<string, AuthorizationGrant> _codes = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, Refresh> _refresh = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, byte> _spentCodes = new(StringComparer.Ordinal);

    private DateTimeOffset Now => server.Time.GetUtcNow();

    /// <summary>Every code and refresh token handed out so far.</summary>
    public IEnumerable<string> IssuedSecrets => _codes.Keys.Concat(_spentCodes.Keys).Concat(_refresh.Keys);

    public void Clear()
    {
        _codes.Clear();
        _refresh.Clear();
        _spentCodes.Clear();
    }

    /// <summary>A new authorization code for the grant.</summary>
    public string AddCode(AuthorizationGrant grant)
    {
        var code = SmartAuthorization.Random();
        _codes[code] = grant;
        return code;
    }

    /// <summary>The <c>authorization_code</c> and <c>refresh_token</c> grants of the token endpoint.</summary>
    public TokenResult Token(string grantType, IReadOnlyDictionary<string, string> form, string? authorization)
    {
        form.TryGetValue("client_id", out var formClientId);
        var (clientId, secret) = BasicCredentials(authorization) ?? (formClientId, form.GetValueOrDefault("client_secret"));
        var client = clientId is null ? null : server.Clients.FindByClientId(clientId, server.Settings.Environment, out _);
        if (client is null || client.RedirectUris.Count == 0)
        {
            return Error(401, "invalid_client", "Unknown client.", clientId);
        }

        if (client.ClientSecret is not null && !FixedTimeEquals(secret, client.ClientSecret))
        {
            return Error(401, "invalid_client", "A confidential client must authenticate with its client secret.", clientId);
        }

        if (grantType == "refresh_token")
        {
            if (!form.TryGetValue("refresh_token", out var refreshToken) || !_refresh.TryGetValue(refreshToken, out var refresh) || refresh.ClientId != clientId)
            {
                return Error(400, "invalid_grant", "The refresh token is not valid for this client.", clientId);
            }

            return Issue(refresh.Client, clientId!, refresh.Scopes, refresh.Context, refreshToken);
        }

        if (!form.TryGetValue("code", out var code) || string.IsNullOrEmpty(code))
        {
            return Error(400, "invalid_request", "code is missing.", clientId);
        }

        if (!_codes.TryRemove(code, out var grant))
        {
            return Error(400, "invalid_grant", _spentCodes.ContainsKey(code) ? "The authorization code has already been used." : "The authorization code is not valid.", clientId);
        }

        _spentCodes[code] = 0;
        if (grant.Expires <= Now)
        {
            return Error(400, "invalid_grant", "The authorization code has expired.", clientId);
        }

        if (grant.ClientId != clientId || form.GetValueOrDefault("redirect_uri") != grant.RedirectUri)
        {
            return Error(400, "invalid_grant", "The code was issued to another client or redirect URI.", clientId);
        }

        if (!form.TryGetValue("code_verifier", out var verifier) || verifier.Length is < 43 or > 128)
        {
            return Error(400, "invalid_grant", "code_verifier is missing or not 43-128 characters (PKCE).", clientId);
        }

        if (Base64UrlEncoder.Encode(SHA256.HashData(Encoding.ASCII.GetBytes(verifier))) != grant.Challenge)
        {
            return Error(400, "invalid_grant", "code_verifier does not match the code_challenge (S256).", clientId);
        }

        return Issue(grant.Client, clientId!, grant.Scopes, grant.Context, null);
    }

    private TokenResult Issue(RegisteredClient client, string clientId, IReadOnlyList<string> scopes, LaunchContext context, string? refreshToken)
    {
        var permissions = new HashSet<EpicApi>();
        var granted = new List<string>();
        foreach (var scope in scopes)
        {
            if (SmartScopes.Context.Contains(scope))
            {
                granted.Add(scope);
                continue;
            }

            var apis = SmartScopes.Resource(scope)!.Types(client.Apis).ToList();
            if (apis.Count > 0)
            {
                permissions.UnionWith(apis);
                granted.Add(scope);
            }
        }

        var lifetime = client.AccessTokenLifetime ?? server.Settings.AccessTokenLifetime;
        var patient = string.IsNullOrEmpty(context.Patient) ? null : context.Patient;
        var (token, _) = server.Tokens.Mint(client, clientId, permissions, string.Join(' ', granted), lifetime, fromHook: false, patient: patient ?? "");
        var body = new JsonObject
        {
            ["access_token"] = token,
            ["token_type"] = "Bearer",
            ["expires_in"] = (long)lifetime.TotalSeconds,
            ["scope"] = string.Join(' ', granted),
        };
        if (patient is not null)
        {
            body["patient"] = patient;
            body["need_patient_banner"] = context.AppContext is null;
        }

        if (context.Encounter is not null)
        {
            body["encounter"] = context.Encounter;
        }

        if (context.AppContext is not null)
        {
            body["appContext"] = context.AppContext;
        }

        if (granted.Contains("openid") && (granted.Contains("fhirUser") || granted.Contains("profile")))
        {
            body["id_token"] = IdToken(clientId, context.User);
        }

        if (granted.Contains("offline_access") || granted.Contains("online_access"))
        {
            var next = refreshToken ?? SmartAuthorization.Random();
            _refresh[next] = new Refresh(client, clientId, scopes, context);
            body["refresh_token"] = next;
        }

        return new TokenResult(200, body, clientId, null, string.Join(' ', granted));
    }

    private string IdToken(string clientId, string user)
    {
        var now = Now.ToUnixTimeSeconds();
        var header = new JsonObject { ["alg"] = "RS256", ["kid"] = server.HookKeys.Rs384Kid, ["typ"] = "JWT" };
        var payload = new JsonObject
        {
            ["iss"] = server.FhirBaseUrl.ToString(),
            ["sub"] = user[(user.IndexOf('/') + 1)..],
            ["aud"] = clientId,
            ["iat"] = now,
            ["exp"] = now + 300,
            ["fhirUser"] = server.FhirBaseUrl + user,
        };
        return JwtComposer.Compose(header, payload, "RS256", server.HookKeys.Rs384);
    }

    private static (string? Id, string? Secret)? BasicCredentials(string? authorization)
    {
        if (authorization is null || !authorization.StartsWith("Basic ", StringComparison.OrdinalIgnoreCase))
        {
            return null;
        }

        try
        {
            var text = Encoding.UTF8.GetString(Convert.FromBase64String(authorization[6..].Trim()));
            var colon = text.IndexOf(':');
            return colon < 0 ? null : (Uri.UnescapeDataString(text[..colon]), Uri.UnescapeDataString(text[(colon + 1)..]));
        }
        catch (FormatException)
        {
            return null;
        }
    }

    private static bool FixedTimeEquals(string? a, string b) =>
        a is not null && CryptographicOperations.FixedTimeEquals(Encoding.UTF8.GetBytes(a), Encoding.UTF8.GetBytes(b));

    private static TokenResult Error(int status, string error, string description, string? clientId) =>
        new(status, new JsonObject { ["error"] = error, ["error_description"] = description }, clientId, null, null);
}
