using System.Security.Cryptography;
using System.Text;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Options;

namespace Cds.Ops.Dashboard;

/// <summary>
/// Every dashboard path needs the configured credential: Basic (<c>Ops:DashboardUser</c> + <c>Ops:DashboardPassword</c>)
/// or <c>Authorization: Bearer {Ops:ApiKey}</c>. Without a configured credential everything is refused (401).
/// Health and metrics stay open for probes.
/// </summary>
public sealed class DashboardAuthMiddleware(RequestDelegate next, IOptions<OpsSettings> options)
{
    public Task InvokeAsync(HttpContext context)
    {
        var path = context.Request.Path;
        if (path.StartsWithSegments("/health") || path.StartsWithSegments("/metrics"))
        {
            return next(context);
        }
        return IsAuthorized(options.Value, context.Request.Headers.Authorization.ToString())
            ? next(context)
            : Refuse(context, options.Value);
    }

    public static bool IsAuthorized(OpsSettings settings, string? header)
    {
        if (string.IsNullOrWhiteSpace(header))
        {
            return false;
        }
        var space = header.IndexOf(' ', StringComparison.Ordinal);
        if (space <= 0)
        {
            return false;
        }
        var scheme = header[..space];
        var value = header[(space + 1)..].Trim();
        if (scheme.Equals("Bearer", StringComparison.OrdinalIgnoreCase))
        {
            return !string.IsNullOrEmpty(settings.ApiKey) && FixedEquals(value, settings.ApiKey);
        }
        if (scheme.Equals("Basic", StringComparison.OrdinalIgnoreCase)
            && !string.IsNullOrEmpty(settings.DashboardUser) && !string.IsNullOrEmpty(settings.DashboardPassword))
        {
            string decoded;
            try
            {
                decoded = Encoding.UTF8.GetString(Convert.FromBase64String(value));
            }
            catch (FormatException)
            {
                return false;
            }
            var colon = decoded.IndexOf(':', StringComparison.Ordinal);
            if (colon < 0)
            {
                return false;
            }
            // Both compared, always: no early exit that tells which half was wrong.
            var userOk = FixedEquals(decoded[..colon], settings.DashboardUser);
            var passwordOk = FixedEquals(decoded[(colon + 1)..], settings.DashboardPassword);
            return userOk & passwordOk;
        }
        return false;
    }

    private static bool FixedEquals(string a, string b) =>
        CryptographicOperations.FixedTimeEquals(SHA256.HashData(Encoding.UTF8.GetBytes(a)), SHA256.HashData(Encoding.UTF8.GetBytes(b)));

    private static Task Refuse(HttpContext context, OpsSettings settings)
    {
        context.Response.StatusCode = StatusCodes.Status401Unauthorized;
        if (!string.IsNullOrEmpty(settings.DashboardUser) && !string.IsNullOrEmpty(settings.DashboardPassword))
        {
            context.Response.Headers.Append("WWW-Authenticate", "Basic realm=\"cds-ops\", charset=\"UTF-8\"");
        }
        if (!string.IsNullOrEmpty(settings.ApiKey))
        {
            context.Response.Headers.Append("WWW-Authenticate", "Bearer realm=\"cds-ops\"");
        }
        context.Response.ContentType = "text/plain; charset=utf-8";
        return context.Response.WriteAsync(settings.HasCredential
            ? "401: the CDS ops dashboard needs its credential.\n"
            : "401: no dashboard credential is configured (set Ops:DashboardUser and Ops:DashboardPassword, or Ops:ApiKey); every request is refused.\n");
    }
}
