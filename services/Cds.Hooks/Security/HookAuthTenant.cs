using Microsoft.IdentityModel.Tokens;

namespace Cds.Hooks.Security;

/// <summary>One tenant's hook-auth settings, checked and normalised once at start-up.</summary>
internal sealed class HookAuthTenant
{
    public required string Id { get; init; }
    public required IReadOnlySet<string> Issuers { get; init; }          // normalised: one trailing '/' removed
    public required IReadOnlyList<string> IssuerVariants { get; init; }  // with and without the trailing '/'
    public required IReadOnlySet<string> JkuAllowlist { get; init; }     // exact
    public JsonWebKeySet? StaticKeys { get; init; }
    public required IReadOnlyList<string> Audiences { get; init; }       // normalised: one trailing '/' removed
    /// <summary>The expected <c>sub</c>; null only when <see cref="RequireSubject"/> is false and none is configured.</summary>
    public string? ClientId { get; init; }
    /// <summary>A token without <c>sub</c> is refused (Epic's carry our client id; CDS Hooks 2.0 does not require one).</summary>
    public bool RequireSubject { get; init; } = true;
    public required TimeSpan ClockSkew { get; init; }
    public required TimeSpan JwksRefreshInterval { get; init; }

    /// <summary>
    /// aud equals a configured value (ignoring one trailing '/' and case), or is a configured base followed by the id
    /// of the service being called (the service URL, e.g. {base}/order-select; for {...}/order-select/feedback the
    /// service id is order-select, and the feedback URL itself, {base}/order-select/feedback, is accepted too).
    /// </summary>
    public bool AudienceMatches(string aud, string requestPath)
    {
        var a = HookAuthTenantRegistry.TrimOneSlash(aud);
        var pathSegments = requestPath.Split('/', StringSplitOptions.RemoveEmptyEntries);
        var isFeedback = pathSegments.Length > 1 && string.Equals(pathSegments[^1], "feedback", StringComparison.OrdinalIgnoreCase);
        var serviceId = pathSegments.Length switch
        {
            0 => null,
            > 1 when isFeedback => pathSegments[^2],
            _ => pathSegments[^1],
        };
        foreach (var configured in Audiences)
        {
            if (string.Equals(a, configured, StringComparison.OrdinalIgnoreCase))
            {
                return true;
            }

            if (a.Length > configured.Length + 1
                && a.StartsWith(configured, StringComparison.OrdinalIgnoreCase)
                && a[configured.Length] == '/')
            {
                var segment = a[(configured.Length + 1)..];
                if (serviceId is not null && (string.Equals(segment, serviceId, StringComparison.OrdinalIgnoreCase)
                    || (isFeedback && string.Equals(segment, serviceId + "/feedback", StringComparison.OrdinalIgnoreCase))))
                {
                    return true;
                }
            }
        }

        return false;
    }
}
