namespace Cds.Hooks;

public sealed class TenantRateLimitOptions
{
    /// <summary>Sustained hook and feedback calls per second per tenant.</summary>
    public int PermitsPerSecond { get; set; } = 100;
    /// <summary>Calls a tenant may make at once above the sustained rate.</summary>
    public int Burst { get; set; } = 200;

    /// <summary>The tenant's own <c>Tenants:{id}:RateLimit</c> over the service-wide defaults.</summary>
    public static TenantRateLimitOptions For(IConfiguration configuration, string tenant, TenantRateLimitOptions defaults)
    {
        var own = new TenantRateLimitOptions { PermitsPerSecond = defaults.PermitsPerSecond, Burst = defaults.Burst };
        if (tenant.Length > 0)
        {
            configuration.GetSection($"Tenants:{tenant}:RateLimit").Bind(own);
        }
        return own;
    }
}
