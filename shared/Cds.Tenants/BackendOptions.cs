namespace Cds.Tenants;

/// <summary>SMART Backend Services registration of our app at this customer.</summary>
public sealed class BackendOptions
{
    public string? NonProdClientId { get; set; }

    public string? ProdClientId { get; set; }

    /// <summary>Path of a PEM file holding the RSA private key (PKCS#1 or PKCS#8, unencrypted). Never in the repository.</summary>
    public string? PrivateKeyPath { get; set; }

    /// <summary>Name of an environment variable holding the PEM text (or its base64). Wins over <see cref="PrivateKeyPath"/> when set and non-empty.</summary>
    public string? PrivateKeyEnv { get; set; }

    /// <summary>The <c>kid</c> of the public key registered with Epic (JWKS or uploaded certificate).</summary>
    public string? KeyId { get; set; }

    /// <summary>Optional JWK Set URL registered with Epic; put in the assertion header as <c>jku</c>.</summary>
    public string? Jku { get; set; }

    /// <summary>SMART system scopes requested, e.g. <c>system/Observation.rs</c>.</summary>
    public List<string> Scopes { get; set; } = [];

    /// <summary>Lifetime of a client assertion (<c>exp</c> - now). Epic and the SMART IG allow at most 5 minutes.</summary>
    public TimeSpan AssertionLifetime { get; set; } = TimeSpan.FromMinutes(4);

    /// <summary>
    /// How long before expiry a cached access token is replaced. The effective margin is the smaller of this and a
    /// fifth of the token's lifetime, so short-lived tokens are still used for most of their life.
    /// </summary>
    public TimeSpan RefreshBeforeExpiry { get; set; } = TimeSpan.FromMinutes(5);

    /// <summary>
    /// Skip the check that FhirBaseUrl's address (PRD / TST / POC markers) agrees with Environment. Never skips the
    /// check for Epic's public sandbox, which is always non-production.
    /// </summary>
    public bool AllowUnusualEnvironmentUrl { get; set; }
}
