using System.Collections.Concurrent;
using System.Security.Cryptography;
using Microsoft.IdentityModel.Tokens;

namespace Cds.Smart;

/// <summary>
/// The backend-for-frontend state. The browser holds two opaque random cookies, HttpOnly and Secure: the login cookie
/// (SameSite=Lax, because Epic's redirect back is a cross-site navigation) between launch and callback, and the
/// session cookie (SameSite=Strict) after it. Tokens live only here, in memory: one replica (or sticky sessions) in
/// production; a restart signs clinicians out, who launch again from the card.
/// </summary>
public sealed class SmartSessions(TimeProvider time)
{
    public const string LoginCookie = "cds-smart-login";
    public const string SessionCookie = "cds-smart-session";
    public static readonly TimeSpan LoginLifetime = TimeSpan.FromMinutes(10);
    public static readonly TimeSpan IdleLifetime = TimeSpan.FromHours(1);

    private readonly ConcurrentDictionary<string, PendingLogin> _logins = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, SmartSession> _sessions = new(StringComparer.Ordinal);

    public static string NewId() => Base64UrlEncoder.Encode(RandomNumberGenerator.GetBytes(32));

    public void StartLogin(HttpContext http, PendingLogin login)
    {
        Prune();
        var id = NewId();
        _logins[id] = login;
        http.Response.Cookies.Append(LoginCookie, id, Cookie(SameSiteMode.Lax, LoginLifetime));
    }

    /// <summary>The pending login of this browser, once: a replayed callback finds nothing.</summary>
    public PendingLogin? TakeLogin(HttpContext http)
    {
        http.Response.Cookies.Delete(LoginCookie, Cookie(SameSiteMode.Lax, null));
        return http.Request.Cookies.TryGetValue(LoginCookie, out var id) && _logins.TryRemove(id, out var login) && login.Expires > time.GetUtcNow() ? login : null;
    }

    public void Start(HttpContext http, SmartSession session)
    {
        var id = NewId();
        session.LastUsed = time.GetUtcNow();
        _sessions[id] = session;
        http.Response.Cookies.Append(SessionCookie, id, Cookie(SameSiteMode.Strict, null));
    }

    public SmartSession? Find(HttpContext http)
    {
        if (!http.Request.Cookies.TryGetValue(SessionCookie, out var id) || !_sessions.TryGetValue(id, out var session))
        {
            return null;
        }
        var now = time.GetUtcNow();
        if (now - session.LastUsed > IdleLifetime)
        {
            _sessions.TryRemove(id, out _);
            return null;
        }
        session.LastUsed = now;
        return session;
    }

    private void Prune()
    {
        var now = time.GetUtcNow();
        foreach (var (id, login) in _logins.Where(l => l.Value.Expires <= now).ToList())
        {
            _logins.TryRemove(id, out _);
        }
        foreach (var (id, session) in _sessions.Where(s => now - s.Value.LastUsed > IdleLifetime).ToList())
        {
            _sessions.TryRemove(id, out _);
        }
    }

    private static CookieOptions Cookie(SameSiteMode sameSite, TimeSpan? maxAge) => new()
    {
        HttpOnly = true,
        Secure = true,
        SameSite = sameSite,
        Path = "/smart",
        MaxAge = maxAge,
        IsEssential = true,
    };
}
