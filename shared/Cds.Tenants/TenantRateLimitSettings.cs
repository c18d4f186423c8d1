namespace Cds.Tenants;

/// <summary><c>Tenants:{id}:RateLimit</c>: the tenant's own hook and feedback rate; an unset value keeps the service-wide default (<c>Hooks:RateLimit</c>).</summary>
public sealed class TenantRateLimitSettings
{
    /// <summary>Sustained hook and feedback calls per second for this tenant.</summary>
    public int? PermitsPerSecond { get; set; }

    /// <summary>Calls this tenant may make at once above the sustained rate.</summary>
    public int? Burst { get; set; }
}
