using System.Security.Cryptography;
using System.Text;
using Cds.EventStore;
using Cds.Fhir.Smart;
using Marten;
using Microsoft.Extensions.Options;

namespace Cds.Smart;

/// <summary>
/// <c>/smart/launch</c> (EHR launch: <c>iss</c> and <c>launch</c> from Epic), <c>/smart/standalone</c> (the clinician
/// starts here and picks the patient at Epic), <c>/smart/callback</c> (the code, exchanged with PKCE) and the pages.
/// </summary>
public static class SmartAppEndpoints
{
    public static WebApplication MapSmartApp(this WebApplication app)
    {
        app.Use(async (http, next) =>
        {
            var h = http.Response.Headers;
            h.CacheControl = "no-store";
            h.XContentTypeOptions = "nosniff";
            h["Referrer-Policy"] = "no-referrer";
            h.ContentSecurityPolicy = "default-src 'none'; style-src 'unsafe-inline'; form-action 'self'; base-uri 'none'";
            await next(http);
        });
        app.MapGet("/smart/launch", LaunchAsync);
        app.MapGet("/smart/standalone", StandaloneAsync);
        app.MapGet("/smart/callback", CallbackAsync);
        app.MapGet("/smart/card", CardAsync);
        app.MapGet("/smart/card/{hookInstance}/{cardUuid}", (string hookInstance, string cardUuid, HttpContext http, SmartSessions sessions, ExplanationReader reader, CancellationToken ct) =>
            sessions.Find(http) is { } session ? ExplainAsync(session, hookInstance, cardUuid, reader, ct) : Task.FromResult(SignedOut()));
        return app;
    }

    private static async Task<IResult> LaunchAsync(string? iss, string? launch, HttpContext http, SmartTenants tenants, SmartClient client, SmartSessions sessions,
        TimeProvider time, ILogger<SmartSessions> log, CancellationToken ct)
    {
        // Only a configured tenant's FHIR base: anything else gets no request and no redirect.
        if (tenants.ByIss(iss) is not { } tenant)
        {
            log.LogWarning("EHR launch refused: iss is not a configured tenant's FHIR base");
            return Page(400, "Launch refused", "This organisation is not configured for this app. Ask your Epic team to check its registration.");
        }
        if (string.IsNullOrWhiteSpace(launch))
        {
            return Page(400, "Launch refused", "The launch came without its launch context. Open the app from the alert again.");
        }
        return await AuthorizeAsync(http, tenant, launch, null, client, sessions, time, ct);
    }

    private static async Task<IResult> StandaloneAsync(string? tenant, string? card, HttpContext http, SmartTenants tenants, SmartClient client, SmartSessions sessions,
        TimeProvider time, CancellationToken ct) =>
        tenants.ById(tenant) is { } t
            ? await AuthorizeAsync(http, t, null, card, client, sessions, time, ct)
            : Page(404, "Unknown organisation", "No organisation by that name is configured for this app.");

    private static async Task<IResult> AuthorizeAsync(HttpContext http, SmartTenant tenant, string? launch, string? card, SmartClient client, SmartSessions sessions,
        TimeProvider time, CancellationToken ct)
    {
        SmartEndpoints endpoints;
        try
        {
            endpoints = await client.DiscoverAsync(tenant, ct);
        }
        catch (Exception e) when (e is SmartLaunchException or HttpRequestException or System.Text.Json.JsonException or TaskCanceledException)
        {
            return Page(502, "Epic is not reachable", "The organisation's sign-in service could not be read. Try again in a minute.");
        }
        var pkce = Pkce.New();
        var state = SmartSessions.NewId();
        sessions.StartLogin(http, new PendingLogin(state, tenant, endpoints, pkce, card, time.GetUtcNow() + SmartSessions.LoginLifetime));
        var scopes = launch is null
            ? tenant.App.Scopes.Where(s => s is not ("launch" or "launch/encounter")).Append("launch/patient").Distinct()
            : tenant.App.Scopes;
        var query = new List<KeyValuePair<string, string>>
        {
            new("response_type", "code"), new("client_id", tenant.App.ClientId!), new("redirect_uri", tenant.App.RedirectUri!),
            new("scope", string.Join(' ', scopes)), new("state", state), new("aud", tenant.FhirBase.ToString()),
            new("code_challenge", pkce.Challenge), new("code_challenge_method", "S256"),
        };
        if (launch is not null)
        {
            query.Add(new("launch", launch));
        }
        return Results.Redirect(endpoints.Authorize + "?" + string.Join('&', query.Select(q => q.Key + "=" + Uri.EscapeDataString(q.Value))));
    }

    private static async Task<IResult> CallbackAsync(string? code, string? state, string? error, HttpContext http, SmartSessions sessions, SmartClient client,
        IOptions<SmartAppOptions> options, ILogger<SmartSessions> log, CancellationToken ct)
    {
        if (sessions.TakeLogin(http) is not { } login)
        {
            return Page(400, "Sign-in expired", "This sign-in was not started in this browser, was already used, or has expired. Open the app from the alert again.");
        }
        if (state is null || !CryptographicOperations.FixedTimeEquals(Encoding.ASCII.GetBytes(state), Encoding.ASCII.GetBytes(login.State)))
        {
            log.LogWarning("Tenant {Tenant}: SMART callback refused: state does not match the sign-in", login.Tenant.Id);
            return Page(400, "Sign-in refused", "The answer from Epic does not belong to this sign-in. Open the app from the alert again.");
        }
        if (error is not null || string.IsNullOrEmpty(code))
        {
            log.LogWarning("Tenant {Tenant}: Epic refused the sign-in ({Error})", login.Tenant.Id, error is null ? "no code" : "oauth error");
            return Page(403, "Sign-in refused", "Epic did not grant access to this app. Ask your Epic team to check its registration.");
        }
        TokenGrant grant;
        try
        {
            grant = await client.ExchangeCodeAsync(login.Tenant, login.Endpoints, code, login.Pkce.Verifier, ct);
        }
        catch (Exception e) when (e is SmartLaunchException or HttpRequestException or System.Text.Json.JsonException or TaskCanceledException)
        {
            log.LogWarning("Tenant {Tenant}: code exchange failed ({Reason})", login.Tenant.Id, e is SmartLaunchException ? e.Message : e.GetType().Name);
            return Page(403, "Sign-in refused", "Epic did not accept this sign-in. Open the app from the alert again.");
        }
        var context = grant.AppContext ?? login.CardContext;
        CardReference? card = null;
        if (context is not null && (card = SmartAppContext.TryOpen(context, login.Tenant.Id, options.Value.AppContextKey!)) is null)
        {
            log.LogWarning("Tenant {Tenant}: SMART launch refused: the card link's appContext is not valid for this tenant", login.Tenant.Id);
            return Page(403, "Link refused", "This alert link is not valid for this organisation.");
        }
        if (string.IsNullOrEmpty(grant.Patient))
        {
            return Page(403, "No patient", "Epic granted no patient context to this app.");
        }
        sessions.Start(http, new SmartSession(login.Tenant, login.Endpoints, grant, card));
        return Results.Content(ExplanationPage.Continue("/smart/card"), "text/html; charset=utf-8");
    }

    private static async Task<IResult> CardAsync(HttpContext http, SmartSessions sessions, ExplanationReader reader, IDocumentStore store, CancellationToken ct)
    {
        if (sessions.Find(http) is not { } session)
        {
            return SignedOut();
        }
        if (session.Card is { } card)
        {
            return await ExplainAsync(session, card.HookInstance, card.CardUuid, reader, ct);
        }
        await using var query = store.QuerySession(session.Tenant.Id);
        var recent = await query.Query<HookTimeline>().Where(t => t.PatientId == session.Patient).OrderByDescending(t => t.ReceivedAt).Take(20).ToListAsync(ct);
        return Results.Content(ExplanationPage.List(recent), "text/html; charset=utf-8");
    }

    private static async Task<IResult> ExplainAsync(SmartSession session, string hookInstance, string cardUuid, ExplanationReader reader, CancellationToken ct) =>
        await reader.ReadAsync(session, hookInstance, cardUuid, ct) is { } explanation
            ? Results.Content(ExplanationPage.Card(explanation), "text/html; charset=utf-8")
            : Page(404, "Not found", "There is no such alert for this patient.");

    private static IResult SignedOut() => Page(401, "Signed out", "Open the app from the alert in Epic to sign in.");

    private static IResult Page(int status, string title, string text) =>
        Results.Content(ExplanationPage.Message(title, text), "text/html; charset=utf-8", Encoding.UTF8, status);
}
