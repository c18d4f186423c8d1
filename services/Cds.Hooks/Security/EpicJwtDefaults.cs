namespace Cds.Hooks.Security;

/// <summary>Names shared by the Epic hook JWT authentication pieces.</summary>
public static class EpicJwtDefaults
{
    /// <summary>The authentication scheme (and authorization policy) name.</summary>
    public const string AuthenticationScheme = "EpicJwt";

    /// <summary>Authorization policy requiring an authenticated Epic hook caller with a tenant.</summary>
    public const string PolicyName = "EpicJwt";

    /// <summary>Claim carrying the tenant id resolved from <c>iss</c> + <c>jku</c> (or the static key).</summary>
    public const string TenantClaim = "cds:tenant";

    /// <summary>Claim present (value "disabled") only when HookAuth:Enabled is false (local development).</summary>
    public const string AuthModeClaim = "cds:auth";

    /// <summary>Named HttpClient used to fetch allow-listed JWKS documents.</summary>
    public const string JwksHttpClientName = "Cds.Hooks.EpicJwks";

    /// <summary>Meter and counters.</summary>
    public const string MeterName = "Cds.Hooks";
    public const string FailureCounterName = "cds.hooks.auth.failures";
    public const string SuccessCounterName = "cds.hooks.auth.successes";

    /// <summary>Algorithms accepted on Epic hook JWTs. Everything else (none, HS*, PS*, ...) is refused.</summary>
    public static IReadOnlyList<string> AllowedAlgorithms { get; } = ["RS384", "ES384", "RS256", "ES256"];
}
