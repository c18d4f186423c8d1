using System.Security.Claims;

namespace Cds.Hooks.Security;

public static class HookAuthHttpContextExtensions
{
    /// <summary>The tenant id resolved by the EpicJwt scheme (claim cds:tenant), or null when the caller is not authenticated.</summary>
    public static string? GetTenant(this HttpContext context) => context.User.GetTenant();

    public static string? GetTenant(this ClaimsPrincipal user) => user.FindFirst(EpicJwtDefaults.TenantClaim)?.Value;

    /// <summary>Tenant, iss, sub, jti of the authenticated caller; Verified is false only when HookAuth:Enabled=false.</summary>
    public static EpicHookCaller? GetEpicHookCaller(this HttpContext context)
    {
        var user = context.User;
        var tenant = user.GetTenant();
        if (tenant is null)
        {
            return null;
        }

        return new EpicHookCaller(
            tenant,
            user.FindFirst("iss")?.Value,
            user.FindFirst("sub")?.Value,
            user.FindFirst("jti")?.Value,
            user.FindFirst(EpicJwtDefaults.AuthModeClaim)?.Value != "disabled",
            user.FindFirst(EpicTokenValidator.ClientTenantClaim)?.Value);
    }
}
