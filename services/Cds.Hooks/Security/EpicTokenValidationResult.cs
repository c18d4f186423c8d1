using System.Security.Claims;

namespace Cds.Hooks.Security;

internal sealed record EpicTokenValidationResult(ClaimsPrincipal? Principal, AuthFailureReason? Failure, string? Tenant, string? Detail)
{
    public static EpicTokenValidationResult Fail(AuthFailureReason reason, string? tenant = null, string? detail = null) => new(null, reason, tenant, detail);
}
