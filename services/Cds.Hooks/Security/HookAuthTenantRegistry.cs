using Cds.Tenants;
using Microsoft.IdentityModel.Tokens;

namespace Cds.Hooks.Security;

/// <summary>The configured tenants, and how a token's iss + jku selects one of them.</summary>
internal sealed class HookAuthTenantRegistry
{
    public IReadOnlyList<HookAuthTenant> Tenants { get; }

    public HookAuthTenantRegistry(IReadOnlyList<HookAuthTenant> tenants) => Tenants = tenants;

    public static string TrimOneSlash(string value) => value.EndsWith('/') ? value[..^1] : value;

    public TenantResolution Resolve(string issuer, string? jku)
    {
        var iss = TrimOneSlash(issuer);
        var candidates = Tenants.Where(t => t.Issuers.Contains(iss)).ToList();
        if (candidates.Count == 0)
        {
            return new(null, false, AuthFailureReason.UnknownIssuer);
        }

        if (!string.IsNullOrEmpty(jku))
        {
            var byJku = candidates.Where(t => t.JkuAllowlist.Contains(jku)).ToList();
            if (byJku.Count == 1)
            {
                return new(byJku[0], true, null);
            }

            if (byJku.Count > 1)
            {
                return new(null, false, AuthFailureReason.AmbiguousTenant);
            }

            // A jku off every allowlist is never fetched. Tenants keyed by a static JWKS only ignore the header.
            var staticOnly = candidates.Where(t => t.StaticKeys is not null && t.JkuAllowlist.Count == 0).ToList();
            return staticOnly.Count switch
            {
                1 => new(staticOnly[0], false, null),
                0 => new(candidates.Count == 1 ? candidates[0] : null, false, AuthFailureReason.JkuNotAllowed),
                _ => new(null, false, AuthFailureReason.AmbiguousTenant),
            };
        }

        var withStatic = candidates.Where(t => t.StaticKeys is not null).ToList();
        return withStatic.Count switch
        {
            1 => new(withStatic[0], false, null),
            0 => new(candidates.Count == 1 ? candidates[0] : null, false, AuthFailureReason.JkuMissing),
            _ => new(null, false, AuthFailureReason.AmbiguousTenant),
        };
    }

    /// <summary>Checks and normalises every tenant with a <c>HookAuth</c> part; all problems are collected as actionable messages.</summary>
    public static HookAuthTenantRegistry Build(bool enabled, ConfiguredTenants configured, string contentRoot, List<string> errors)
    {
        var tenants = new List<HookAuthTenant>();
        var withHookAuth = configured.Tenants.Where(kv => kv.Value.HookAuth is not null).OrderBy(kv => kv.Key, StringComparer.Ordinal).ToList();
        foreach (var (id, settings) in withHookAuth)
        {
            var o = settings.HookAuth!;
            var t = Compile(id, o, contentRoot, errors);
            if (t is not null)
            {
                tenants.Add(t);
            }
        }

        if (enabled && withHookAuth.Count == 0)
        {
            errors.Add("HookAuth is enabled but no tenant has a 'Tenants:{id}:HookAuth' section: configure at least one tenant (Issuers, JkuAllowlist or StaticJwks/StaticJwksPath, Audiences, ClientId), or set HookAuth:Enabled=false for local development only.");
        }

        // Two tenants must never be able to claim the same token.
        for (var i = 0; i < tenants.Count; i++)
        {
            for (var j = i + 1; j < tenants.Count; j++)
            {
                var a = tenants[i];
                var b = tenants[j];
                if (!a.Issuers.Overlaps(b.Issuers))
                {
                    continue;
                }

                if (a.JkuAllowlist.Overlaps(b.JkuAllowlist))
                {
                    errors.Add($"Tenants '{a.Id}' and '{b.Id}' share an issuer and a JkuAllowlist entry: a token could not be attributed to one tenant. Give each tenant its own jku.");
                }

                if (a.StaticKeys is not null && b.StaticKeys is not null)
                {
                    errors.Add($"Tenants '{a.Id}' and '{b.Id}' share an issuer and both use a static JWKS: a token could not be attributed to one tenant.");
                }
            }
        }

        return new HookAuthTenantRegistry(tenants);
    }

    private static HookAuthTenant? Compile(string id, TenantHookAuthOptions o, string contentRoot, List<string> errors)
    {
        var prefix = $"Tenants:{id}:HookAuth";
        var before = errors.Count;

        var issuers = o.Issuers.Where(s => !string.IsNullOrWhiteSpace(s)).Select(s => s.Trim()).ToList();
        if (issuers.Count == 0)
        {
            errors.Add($"{prefix}:Issuers is empty: list the organisation's FHIR base URL(s), the 'iss' of its hook JWTs (e.g. https://host/interconnect-fhir-oauth/api/FHIR/R4/).");
        }

        foreach (var iss in issuers.Where(i => !IsHttpUrl(i)))
        {
            errors.Add($"{prefix}:Issuers entry '{iss}' is not an absolute http(s) URL.");
        }

        var jkus = o.JkuAllowlist.Where(s => !string.IsNullOrWhiteSpace(s)).Select(s => s.Trim()).ToList();
        foreach (var jku in jkus.Where(j => !IsHttpUrl(j)))
        {
            errors.Add($"{prefix}:JkuAllowlist entry '{jku}' is not an absolute http(s) URL.");
        }

        JsonWebKeySet? staticKeys = null;
        if (!string.IsNullOrWhiteSpace(o.StaticJwksPath) && !string.IsNullOrWhiteSpace(o.StaticJwks))
        {
            errors.Add($"{prefix}: set StaticJwksPath or StaticJwks, not both.");
        }
        else if (!string.IsNullOrWhiteSpace(o.StaticJwksPath))
        {
            var path = Path.IsPathRooted(o.StaticJwksPath) ? o.StaticJwksPath : Path.Combine(contentRoot, o.StaticJwksPath);
            if (!File.Exists(path))
            {
                errors.Add($"{prefix}:StaticJwksPath '{path}' does not exist.");
            }
            else
            {
                staticKeys = ParseStaticJwks(File.ReadAllText(path), $"{prefix}:StaticJwksPath ('{path}')", errors);
            }
        }
        else if (!string.IsNullOrWhiteSpace(o.StaticJwks))
        {
            staticKeys = ParseStaticJwks(o.StaticJwks, $"{prefix}:StaticJwks", errors);
        }

        if (jkus.Count == 0 && staticKeys is null && string.IsNullOrWhiteSpace(o.StaticJwksPath) && string.IsNullOrWhiteSpace(o.StaticJwks))
        {
            errors.Add($"{prefix}: no key source. Set JkuAllowlist (Epic: the organisation's .../api/epic/2019/Security/Open/PublicKeys/... URL) and/or StaticJwksPath or StaticJwks.");
        }

        var audiences = o.Audiences.Where(s => !string.IsNullOrWhiteSpace(s)).Select(s => TrimOneSlash(s.Trim())).ToList();
        if (audiences.Count == 0)
        {
            errors.Add($"{prefix}:Audiences is empty: list the 'aud' the health system typed in for our service (the services base URL, e.g. https://host/cds-services, and/or a service URL).");
        }

        foreach (var aud in audiences.Where(a => !IsHttpUrl(a)))
        {
            errors.Add($"{prefix}:Audiences entry '{aud}' is not an absolute http(s) URL.");
        }

        if (o.RequireSubject && string.IsNullOrWhiteSpace(o.ClientId))
        {
            errors.Add($"{prefix}:ClientId is empty: set our CDS Hooks client id at this organisation (the 'sub' of its hook JWTs), or, for a CDS client whose JWTs carry no 'sub' (CDS Hooks 2.0 does not require one), set {prefix}:RequireSubject=false.");
        }

        if (o.ClockSkew < TimeSpan.Zero || o.ClockSkew > TimeSpan.FromMinutes(5))
        {
            errors.Add($"{prefix}:ClockSkew must be between 00:00:00 and 00:05:00 (recommended 00:01:00).");
        }

        if (o.JwksRefreshInterval < TimeSpan.FromSeconds(1) || o.JwksRefreshInterval > TimeSpan.FromDays(1))
        {
            errors.Add($"{prefix}:JwksRefreshInterval must be between 00:00:01 and 1.00:00:00 (recommended 00:05:00).");
        }

        if (errors.Count != before)
        {
            return null;
        }

        return new HookAuthTenant
        {
            Id = id,
            Issuers = issuers.Select(TrimOneSlash).ToHashSet(StringComparer.Ordinal),
            IssuerVariants = issuers.Select(TrimOneSlash).SelectMany(i => new[] { i, i + "/" }).Distinct(StringComparer.Ordinal).ToList(),
            JkuAllowlist = jkus.ToHashSet(StringComparer.Ordinal),
            StaticKeys = staticKeys,
            Audiences = audiences,
            ClientId = string.IsNullOrWhiteSpace(o.ClientId) ? null : o.ClientId.Trim(),
            RequireSubject = o.RequireSubject,
            ClockSkew = o.ClockSkew,
            JwksRefreshInterval = o.JwksRefreshInterval,
        };
    }

    private static JsonWebKeySet? ParseStaticJwks(string json, string where, List<string> errors)
    {
        JsonWebKeySet set;
        try
        {
            set = new JsonWebKeySet(json);
        }
        catch (Exception e) when (e is ArgumentException or System.Text.Json.JsonException or InvalidOperationException)
        {
            errors.Add($"{where} is not a JWKS document ({{\"keys\":[...]}}).");
            return null;
        }

        if (set.Keys.Count == 0)
        {
            errors.Add($"{where} contains no keys.");
            return null;
        }

        if (set.Keys.Any(k => k.HasPrivateKey))
        {
            errors.Add($"{where} contains private key material: configure the PUBLIC keys only.");
            return null;
        }

        return set;
    }

    private static bool IsHttpUrl(string s) =>
        Uri.TryCreate(s, UriKind.Absolute, out var u) && (u.Scheme == Uri.UriSchemeHttps || u.Scheme == Uri.UriSchemeHttp);
}
