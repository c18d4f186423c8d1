using System.Collections.Concurrent;
using System.Net;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json.Nodes;
using Microsoft.IdentityModel.Tokens;

namespace Cds.EpicSandbox;

/// <summary>
/// The user-facing side of SMART App Launch 2.x as Epic runs it: <c>authorize</c> (EHR launch with a launch token,
/// standalone launch with a simulated login and patient picker), PKCE S256 only (<c>plain</c> refused), <c>state</c>
/// echoed, single-use short-lived codes, and the token response of <c>authorization_code</c> and <c>refresh_token</c>
/// grants: <c>patient</c>, <c>encounter</c>, <c>id_token</c>, <c>refresh_token</c> (with <c>offline_access</c>) and the
/// link's <c>appContext</c>.
/// </summary>
internal sealed class SmartAuthorization(EpicSandboxServer server)
{
    public const string AuthorizePath = "interconnect-fhir-oauth/oauth2/authorize";
    public const string LoginPath = "interconnect-fhir-oauth/oauth2/authorize/login";

    private static readonly string[] ContextScopes = ["launch", "launch/patient", "launch/encounter", "openid", "fhirUser", "profile", "offline_access", "online_access"];

    private sealed record Pending(RegisteredClient Client, string ClientId, string RedirectUri, string State, string Challenge, IReadOnlyList<string> Scopes, DateTimeOffset Expires);

    private sealed record Grant(RegisteredClient Client, string ClientId, string RedirectUri, string Challenge, IReadOnlyList<string> Scopes, LaunchContext Context, DateTimeOffset Expires);

    private sealed record Refresh(RegisteredClient Client, string ClientId, IReadOnlyList<string> Scopes, LaunchContext Context);

    private readonly ConcurrentDictionary<string, (LaunchContext Context, DateTimeOffset Expires)> _launches = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, Pending> _pending = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, Grant> _codes = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, Refresh> _refresh = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, byte> _spentCodes = new(StringComparer.Ordinal);

    private DateTimeOffset Now => server.Time.GetUtcNow();

    /// <summary>Every code, refresh token and launch token handed out so far (for tests that look for them where they must not be).</summary>
    public IEnumerable<string> IssuedSecrets => _codes.Keys.Concat(_spentCodes.Keys).Concat(_refresh.Keys).Concat(_launches.Keys);

    public void Clear()
    {
        _launches.Clear();
        _pending.Clear();
        _codes.Clear();
        _refresh.Clear();
        _spentCodes.Clear();
    }

    /// <summary>Epic mints an opaque launch token when the clinician clicks a SMART link; the app must use it within minutes.</summary>
    public string MintLaunch(LaunchContext context)
    {
        var token = Random();
        _launches[token] = (context, Now + server.Settings.LaunchTokenLifetime);
        return token;
    }

    /// <summary>GET authorize: a refusal page (unknown client or redirect URI: never redirect), an error redirect, the login page, or the code.</summary>
    public async Task AuthorizeAsync(HttpContext ctx)
    {
        var q = ctx.Request.Query;
        string Get(string name) => q[name].ToString();
        var clientId = Get("client_id");
        var redirectUri = Get("redirect_uri");
        var client = server.Clients.FindByClientId(clientId, server.Settings.Environment, out _);
        if (client is null || !client.RedirectUris.Contains(redirectUri, StringComparer.Ordinal))
        {
            await Html(ctx, 400, "Sign-in refused", "<p>The application is not registered with this organisation, or its redirect URI is not the one registered.</p>");
            return;
        }

        var state = Get("state");
        if (Get("response_type") != "code")
        {
            Redirect(ctx, redirectUri, ("error", "unsupported_response_type"), ("state", state));
            return;
        }

        var problem = string.IsNullOrEmpty(state) ? "state is required."
            : Get("code_challenge_method") != "S256" ? "PKCE is required with code_challenge_method S256 (plain is not supported)."
            : !IsChallenge(Get("code_challenge")) ? "code_challenge must be the base64url SHA-256 of the verifier (43 characters)."
            : !SameBase(Get("aud"), server.FhirBaseUrl) ? "aud must be this server's FHIR base URL."
            : null;
        if (problem is not null)
        {
            Redirect(ctx, redirectUri, ("error", "invalid_request"), ("error_description", problem), ("state", state));
            return;
        }

        var scopes = Get("scope").Split(' ', StringSplitOptions.RemoveEmptyEntries).Distinct(StringComparer.Ordinal).ToList();
        if (scopes.Count == 0 || scopes.Any(s => !ContextScopes.Contains(s) && ResourceScope(s) is null))
        {
            Redirect(ctx, redirectUri, ("error", "invalid_scope"), ("state", state));
            return;
        }

        if (scopes.Contains("launch"))
        {
            if (!_launches.TryRemove(Get("launch"), out var launch) || launch.Expires <= Now)
            {
                Redirect(ctx, redirectUri, ("error", "invalid_request"), ("error_description", "The launch parameter is missing, unknown or expired."), ("state", state));
                return;
            }

            IssueCode(ctx, new Grant(client, clientId, redirectUri, Get("code_challenge"), scopes, launch.Context, Now + server.Settings.AuthorizationCodeLifetime), state);
            return;
        }

        var id = Random();
        _pending[id] = new Pending(client, clientId, redirectUri, state, Get("code_challenge"), scopes, Now + TimeSpan.FromMinutes(10));
        await Html(ctx, 200, "Sign in", LoginForm(id, scopes.Contains("launch/patient"), error: null));
    }

    /// <summary>POST of the login page: checks the simulated credentials and the picked patient, then redirects with the code.</summary>
    public async Task LoginAsync(HttpContext ctx)
    {
        var form = await ctx.Request.ReadFormAsync(ctx.RequestAborted);
        var id = form["request"].ToString();
        if (!_pending.TryGetValue(id, out var pending) || pending.Expires <= Now)
        {
            await Html(ctx, 400, "Sign-in expired", "<p>This sign-in has expired. Start again from the application.</p>");
            return;
        }

        var wantsPatient = pending.Scopes.Contains("launch/patient");
        var patient = form["patient"].ToString();
        if (form["username"] != SandboxClients.SandboxUser || form["password"] != SandboxClients.SandboxPassword)
        {
            await Html(ctx, 200, "Sign in", LoginForm(id, wantsPatient, "The user name or password is not correct."));
            return;
        }

        if (wantsPatient && server.Store.Get("Patient", patient) is null)
        {
            await Html(ctx, 200, "Sign in", LoginForm(id, wantsPatient, "Choose a patient."));
            return;
        }

        _pending.TryRemove(id, out _);
        var context = new LaunchContext(wantsPatient ? patient : "", null, "Practitioner/" + SandboxPatients.PractitionerId, null);
        IssueCode(ctx, new Grant(pending.Client, pending.ClientId, pending.RedirectUri, pending.Challenge, pending.Scopes, context, Now + server.Settings.AuthorizationCodeLifetime),
            pending.State);
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
            if (ContextScopes.Contains(scope))
            {
                granted.Add(scope);
                continue;
            }

            var apis = ResourceScope(scope)!.Types(client.Apis).ToList();
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
            var next = refreshToken ?? Random();
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

    private void IssueCode(HttpContext ctx, Grant grant, string state)
    {
        var code = Random();
        _codes[code] = grant;
        Redirect(ctx, grant.RedirectUri, ("code", code), ("state", state));
    }

    /// <summary>A <c>patient/</c> or <c>user/</c> resource scope, v1 (<c>.read</c>) or v2 (<c>.rs</c>); null when it is not one.</summary>
    private static ResourceScopeParts? ResourceScope(string scope)
    {
        var slash = scope.IndexOf('/');
        var dot = scope.IndexOf('.');
        if (slash <= 0 || dot <= slash + 1 || scope[..slash] is not ("patient" or "user"))
        {
            return null;
        }

        var permission = scope[(dot + 1)..];
        var q = permission.IndexOf('?');
        permission = q >= 0 ? permission[..q] : permission;
        var parts = new ResourceScopeParts(scope[(slash + 1)..dot], permission);
        return Scopes.InteractionsOf(permission, parts.Type == "*" ? "Patient" : parts.Type).Count == 0 ? null : parts;
    }

    private sealed record ResourceScopeParts(string Type, string Permission)
    {
        public IEnumerable<EpicApi> Types(IReadOnlySet<EpicApi> registered) =>
            registered.Where(a => (Type == "*" || a.ResourceType == Type) && Scopes.InteractionsOf(Permission, a.ResourceType).Contains(a.Interaction));
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

    private static bool IsChallenge(string challenge) =>
        challenge.Length == 43 && challenge.All(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_');

    private static bool SameBase(string aud, Uri fhirBase) =>
        aud.Length > 0 && aud.TrimEnd('/').Equals(fhirBase.ToString().TrimEnd('/'), StringComparison.OrdinalIgnoreCase);

    private static string Random() => Base64UrlEncoder.Encode(RandomNumberGenerator.GetBytes(32));

    private static void Redirect(HttpContext ctx, string redirectUri, params (string Key, string Value)[] parameters)
    {
        var query = string.Join('&', parameters.Where(p => !string.IsNullOrEmpty(p.Value)).Select(p => p.Key + "=" + Uri.EscapeDataString(p.Value)));
        ctx.Response.Headers.CacheControl = "no-store";
        ctx.Response.Redirect(redirectUri + (redirectUri.Contains('?') ? "&" : "?") + query);
    }

    private string LoginForm(string requestId, bool pickPatient, string? error)
    {
        var html = new StringBuilder();
        html.Append("<p>Local Epic sandbox: sign in as <b>").Append(SandboxClients.SandboxUser).Append("</b> / <b>").Append(SandboxClients.SandboxPassword).Append("</b>.</p>");
        if (error is not null)
        {
            html.Append("<p role=alert style=\"color:#a00\">").Append(WebUtility.HtmlEncode(error)).Append("</p>");
        }

        html.Append("<form method=post action=\"/").Append(LoginPath).Append("\"><input type=hidden name=request value=\"").Append(requestId).Append("\">")
            .Append("<p><label>User name <input name=username autocomplete=username></label></p>")
            .Append("<p><label>Password <input name=password type=password autocomplete=current-password></label></p>");
        if (pickPatient)
        {
            html.Append("<p><label>Patient <select name=patient><option value=\"\">Choose a patient</option>");
            foreach (var id in SandboxPatients.Fixtures)
            {
                var name = server.Store.Get("Patient", id) is Hl7.Fhir.Model.Patient p && p.Name.FirstOrDefault() is { } n
                    ? $"{string.Join(' ', n.Given)} {n.Family}".Trim() : id;
                html.Append("<option value=\"").Append(WebUtility.HtmlEncode(id)).Append("\">").Append(WebUtility.HtmlEncode(name)).Append("</option>");
            }

            html.Append("</select></label></p>");
        }

        html.Append("<p><button type=submit>Sign in</button></p></form>");
        return html.ToString();
    }

    internal static async Task Html(HttpContext ctx, int status, string title, string body)
    {
        ctx.Response.StatusCode = status;
        ctx.Response.ContentType = "text/html; charset=utf-8";
        ctx.Response.Headers.CacheControl = "no-store";
        await ctx.Response.WriteAsync($"<!doctype html><html lang=en><head><meta charset=utf-8><title>{WebUtility.HtmlEncode(title)} - Epic sandbox</title></head>"
            + $"<body style=\"font-family:sans-serif;max-width:46rem;margin:2rem auto\"><h1>{WebUtility.HtmlEncode(title)}</h1>{body}</body></html>", ctx.RequestAborted);
    }

    private static TokenResult Error(int status, string error, string description, string? clientId) =>
        new(status, new JsonObject { ["error"] = error, ["error_description"] = description }, clientId, null, null);
}
