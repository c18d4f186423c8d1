namespace Cds.Hooks.Security;

/// <summary>
/// The authenticated hook caller, as seen by endpoints. <see cref="ClientTenant"/>: the CDS Hooks 2.0 <c>tenant</c> claim
/// the caller sent (its own opaque name of the organisation), not our tenant id.
/// </summary>
public sealed record EpicHookCaller(string Tenant, string? Issuer, string? Subject, string? Jti, bool Verified, string? ClientTenant = null);
