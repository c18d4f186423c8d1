using Cds.Tenants;

namespace Cds.Hooks;

/// <summary><c>Hooks:RateLimit</c>: every tenant's default token bucket on hook and feedback calls.</summary>
public sealed class TenantRateLimitOptions
{
    /// <summary>Sustained hook and feedback calls per second per tenant.</summary>
    public int PermitsPerSecond { get; set; } = 100;
    /// <summary>Calls a tenant may make at once above the sustained rate.</summary>
    public int Burst { get; set; } = 200;

    /// <summary>The tenant's own <c>Tenants:{id}:RateLimit</c> (null: none) over these defaults.</summary>
    public TenantRateLimitOptions Over(TenantRateLimitSettings? own) => new()
    {
        PermitsPerSecond = own?.PermitsPerSecond ?? PermitsPerSecond,
        Burst = own?.Burst ?? Burst,
    };
}
