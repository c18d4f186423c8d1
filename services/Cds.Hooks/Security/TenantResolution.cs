namespace Cds.Hooks.Security;

internal readonly record struct TenantResolution(HookAuthTenant? Tenant, bool UseJku, AuthFailureReason? Failure);
