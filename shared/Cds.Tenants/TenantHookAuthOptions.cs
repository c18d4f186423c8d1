namespace Cds.Tenants;

/// <summary><c>Tenants:{id}:HookAuth</c>.</summary>
public sealed class TenantHookAuthOptions
{
    /// <summary>Accepted <c>iss</c> values (the organisation's FHIR base); compared ignoring one trailing '/'.</summary>
    public List<string> Issuers { get; set; } = [];

    /// <summary>The only <c>jku</c> URLs ever fetched for this tenant (exact match).</summary>
    public List<string> JkuAllowlist { get; set; } = [];

    /// <summary>Path of a static JWKS file (relative paths resolve against the content root).</summary>
    public string? StaticJwksPath { get; set; }

    /// <summary>An inline static JWKS (a JSON string, or a JSON object in configuration).</summary>
    public string? StaticJwks { get; set; }

    /// <summary>Accepted <c>aud</c> values: a service URL or the services base URL (then its service URLs are accepted too).</summary>
    public List<string> Audiences { get; set; } = [];

    /// <summary>
    /// Our CDS client id at this organisation: the expected <c>sub</c>. Required while <see cref="RequireSubject"/> is
    /// true; otherwise optional, and when set a <c>sub</c> that is present must still equal it.
    /// </summary>
    public string? ClientId { get; set; }

    /// <summary>
    /// <c>Tenants:{id}:HookAuth:RequireSubject</c> (default true): the hook JWTs must carry <c>sub</c> = <see cref="ClientId"/>,
    /// as Epic's do. false for a CDS client that sends only what CDS Hooks 2.0 requires (<c>iss</c>, <c>aud</c>, <c>exp</c>,
    /// <c>iat</c>, <c>jti</c>; e.g. the CDS Hooks Sandbox): a token without <c>sub</c> is then accepted.
    /// </summary>
    public bool RequireSubject { get; set; } = true;

    /// <summary>Clock skew applied to <c>exp</c>/<c>nbf</c>.</summary>
    public TimeSpan ClockSkew { get; set; } = TimeSpan.FromSeconds(60);

    /// <summary>An unknown <c>kid</c> triggers at most one JWKS download per jku per interval.</summary>
    public TimeSpan JwksRefreshInterval { get; set; } = TimeSpan.FromMinutes(5);
}
