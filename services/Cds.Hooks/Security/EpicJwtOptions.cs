using Microsoft.AspNetCore.Authentication;

namespace Cds.Hooks.Security;

/// <summary>
/// Options of the "EpicJwt" scheme. Bound from <c>HookAuth</c> (global) and <c>ConnectionStrings:Postgres</c> (the shared
/// jti replay store) by <see cref="EpicJwtServiceCollectionExtensions.AddEpicJwtAuthentication"/>; the per-tenant part,
/// <c>Tenants:{id}:HookAuth</c>, is read from the tenant settings (<see cref="HookAuthTenantRegistry"/>).
/// </summary>
public sealed class EpicJwtOptions : AuthenticationSchemeOptions
{
    /// <summary><c>HookAuth:Enabled</c>. false ONLY for local development: tokens are then not verified (a loud warning is logged).</summary>
    public bool Enabled { get; set; } = true;

    /// <summary><c>HookAuth:ReplaySchema</c>: PostgreSQL schema of the jti replay table (tests use a unique one).</summary>
    public string ReplaySchema { get; set; } = "cds_hooks";

    /// <summary><c>ConnectionStrings:Postgres</c>.</summary>
    public string? ReplayConnectionString { get; set; }

    /// <summary><c>HookAuth:JwksFetchTimeout</c>: timeout of one JWKS download.</summary>
    public TimeSpan JwksFetchTimeout { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary><c>HookAuth:JwksMaxBytes</c>: a JWKS response larger than this is refused.</summary>
    public int JwksMaxBytes { get; set; } = 64 * 1024;

    /// <summary><c>HookAuth:JwksMaxAge</c>: a cached JWKS older than this is downloaded again (the stale copy is kept if that fails).</summary>
    public TimeSpan JwksMaxAge { get; set; } = TimeSpan.FromHours(1);

    /// <summary><c>HookAuth:JwksFailureBackoff</c>: after a failed download the same jku is not tried again for this long.</summary>
    public TimeSpan JwksFailureBackoff { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>
    /// <c>HookAuth:PrefetchJwks</c>: download every allowlisted JWKS in the background at start-up, so the first
    /// hooks after a deploy do not wait for it within their deadline.
    /// </summary>
    public bool PrefetchJwks { get; set; } = true;
}
