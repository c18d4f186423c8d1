using System.Collections.Concurrent;
using System.Net;
using System.Security.Cryptography;
using System.Text;
using Microsoft.IdentityModel.Tokens;

namespace Cds.EpicSandbox;

/// <summary>
/// The user-facing side of SMART App Launch 2.x as Epic runs it: <c>authorize</c> (EHR launch with a launch token,
/// standalone launch with a simulated login and patient picker), PKCE S256 only (<c>plain</c> refused), <c>state</c>
/// echoed, single-use short-lived codes. The token endpoint's <c>authorization_code</c> and <c>refresh_token</c> grants
/// are <see cref="SmartTokenGrants"/>.
/// </summary>
internal sealed class SmartAuthorization(EpicSandboxServer server)
{
    public const string AuthorizePath = "interconnect-fhir-oauth/oauth2/authorize";
    public const string LoginPath = "interconnect-fhir-oauth/oauth2/authorize/login";

    private sealed record Pending(RegisteredClient Client, string ClientId, string RedirectUri, string State, string Challenge, IReadOnlyList<string> Scopes, DateTimeOffset Expires);

    private readonly ConcurrentDictionary<string, (LaunchContext Context, DateTimeOffset Expires)> _launches = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, Pending> _pending = new(StringComparer.Ordinal);

    private DateTimeOffset Now => server.Time.GetUtcNow();

    /// <summary>The <c>authorization_code</c> and <c>refresh_token</c> grants of the token endpoint.</summary>
    public SmartTokenGrants Grants { get; } = new(server);

    /// <summary>Every code, refresh token and launch token handed out so far (for tests that look for them where they must not be).</summary>
    public IEnumerable<string> IssuedSecrets => Grants.IssuedSecrets.Concat(_launches.Keys);

    public void Clear()
    {
        _launches.Clear();
        _pending.Clear();
        Grants.Clear();
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
        if (scopes.Count == 0 || scopes.Any(s => !SmartScopes.Context.Contains(s) && SmartScopes.Resource(s) is null))
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

            IssueCode(ctx, new AuthorizationGrant(client, clientId, redirectUri, Get("code_challenge"), scopes, launch.Context, Now + server.Settings.AuthorizationCodeLifetime), state);
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
        IssueCode(ctx, new AuthorizationGrant(pending.Client, pending.ClientId, pending.RedirectUri, pending.Challenge, pending.Scopes, context, Now + server.Settings.AuthorizationCodeLifetime),
            pending.State);
    }

    private void IssueCode(HttpContext ctx, AuthorizationGrant grant, string state) =>
        Redirect(ctx, grant.RedirectUri, ("code", Grants.AddCode(grant)), ("state", state));

    private static bool IsChallenge(string challenge) =>
        challenge.Length == 43 && challenge.All(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_');

    private static bool SameBase(string aud, Uri fhirBase) =>
        aud.Length > 0 && aud.TrimEnd('/').Equals(fhirBase.ToString().TrimEnd('/'), StringComparison.OrdinalIgnoreCase);

    /// <summary>An opaque, unguessable value: launch tokens, codes, refresh tokens, sign-in request ids.</summary>
    internal static string Random() => Base64UrlEncoder.Encode(RandomNumberGenerator.GetBytes(32));

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
}
