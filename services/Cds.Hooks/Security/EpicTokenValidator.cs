using System.Security.Claims;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;
using Npgsql;

namespace Cds.Hooks.Security;

/// <summary>This instance's own jti check, for a hook whose record (and with it the shared jti check) failed.</summary>
public interface IJtiLocalReplayCheck
{
    /// <summary>true when (tenant, jti) was not seen by this instance; counted and logged as a degraded check.</summary>
    bool RegisterLocally(string tenant, string jti, DateTimeOffset expires);
}

/// <summary>
/// Verifies an Epic hook JWT: algorithm allowlist, tenant from iss + jku (or static JWKS), key by exact kid,
/// signature, iss, aud, exp/nbf with the tenant's skew (no lifetime cap), sub = our client id (absent allowed for a tenant
/// with RequireSubject=false; present, it must still match a configured client id), and jti not seen before by any
/// instance (shared PostgreSQL store). The optional CDS Hooks 2.0 <c>tenant</c> claim is passed on (claim "tenant").
/// </summary>
internal sealed class EpicTokenValidator : IJtiLocalReplayCheck
{
    /// <summary>Larger Authorization values are refused without being parsed.</summary>
    public const int MaxTokenLength = 16 * 1024;
    private const int MaxJtiLength = 255;

    /// <summary>Longest <c>tenant</c> claim passed on; longer ones (or with control characters) are not recorded.</summary>
    public const int MaxClientTenantLength = 256;

    /// <summary>The claim carrying the caller's own CDS Hooks 2.0 <c>tenant</c> (opaque: the organisation invoking the hook).</summary>
    public const string ClientTenantClaim = "tenant";

    /// <summary>
    /// Longest wait for the shared jti store (a healthy insert takes milliseconds). A store that hangs rather than
    /// refuses (a network partition, a connection pool waiting on a dead server) must not eat the hook's deadline:
    /// past this the check degrades to this instance's replay cache, as when the store is down.
    /// </summary>
    public static readonly TimeSpan ReplayCheckTimeout = TimeSpan.FromMilliseconds(500);

    private readonly HookAuthTenantRegistry _tenants;
    private readonly JwksCache _jwks;
    private readonly IJtiReplayStore _replay;
    private readonly LocalReplayCache _localReplay = new(100_000);

    private readonly EpicJwtMetrics? _metrics;
    private readonly ILogger<EpicTokenValidator>? _log;
    private readonly JsonWebTokenHandler _handler = new() { MapInboundClaims = false };

    public EpicTokenValidator(HookAuthTenantRegistry tenants, JwksCache jwks, IJtiReplayStore replay,
        EpicJwtMetrics? metrics = null, ILogger<EpicTokenValidator>? log = null)
    {
        _tenants = tenants;
        _jwks = jwks;
        _replay = replay;
        _metrics = metrics;
        _log = log;
    }

    /// <param name="checkReplay">
    /// False on the hook route: the jti is registered in the hook's own group-committed append (<see cref="HookRecorder"/>),
    /// and the token's expiry travels in the <see cref="JtiExpiresClaim"/> claim for it.
    /// </param>
    public async Task<EpicTokenValidationResult> ValidateAsync(string token, string requestPath, CancellationToken cancellationToken,
        bool checkReplay = true)
    {
        if (token.Length > MaxTokenLength)
        {
            return EpicTokenValidationResult.Fail(AuthFailureReason.Malformed, detail: "token too large");
        }

        JsonWebToken jwt;
        try
        {
            jwt = new JsonWebToken(token);
        }
        catch (Exception e) when (e is ArgumentException or SecurityTokenMalformedException or FormatException or System.Text.Json.JsonException)
        {
            return EpicTokenValidationResult.Fail(AuthFailureReason.Malformed);
        }

        // none, HS*, PS*, ... are refused before anything else (no key lookup, no jku fetch).
        var alg = jwt.Alg;
        if (string.IsNullOrEmpty(alg) || !EpicJwtDefaults.AllowedAlgorithms.Contains(alg, StringComparer.Ordinal))
        {
            return EpicTokenValidationResult.Fail(AuthFailureReason.AlgorithmNotAllowed, detail: Safe(alg));
        }

        var issuer = jwt.Issuer;
        if (string.IsNullOrEmpty(issuer))
        {
            return EpicTokenValidationResult.Fail(AuthFailureReason.UnknownIssuer, detail: "no iss");
        }

        jwt.TryGetHeaderValue<string>("jku", out var jku);
        var resolution = _tenants.Resolve(issuer, string.IsNullOrEmpty(jku) ? null : jku);
        if (resolution.Failure is { } resolveFailure)
        {
            var detail = resolveFailure switch
            {
                AuthFailureReason.UnknownIssuer => "iss " + Safe(issuer),
                AuthFailureReason.JkuNotAllowed => "jku " + Safe(jku),
                _ => null,
            };
            return EpicTokenValidationResult.Fail(resolveFailure, resolution.Tenant?.Id, detail);
        }

        var tenant = resolution.Tenant!;
        var kid = string.IsNullOrEmpty(jwt.Kid) ? null : jwt.Kid;

        IReadOnlyList<JsonWebKey> candidates;
        if (resolution.UseJku)
        {
            var lookup = await _jwks.GetKeysAsync(jku!, kid, tenant.JwksRefreshInterval).ConfigureAwait(false);
            if (lookup.Failure is { } jwksFailure)
            {
                return EpicTokenValidationResult.Fail(jwksFailure, tenant.Id);
            }

            candidates = lookup.Keys;
        }
        else
        {
            candidates = JwksCache.Match(tenant.StaticKeys!, kid);
            if (candidates.Count == 0)
            {
                return EpicTokenValidationResult.Fail(AuthFailureReason.UnknownKid, tenant.Id);
            }
        }

        var keys = candidates.Where(k => TokenChecks.KeyFits(k, alg)).ToList();
        if (keys.Count == 0)
        {
            return EpicTokenValidationResult.Fail(AuthFailureReason.KeyAlgorithmMismatch, tenant.Id);
        }

        var parameters = new TokenValidationParameters
        {
            ValidAlgorithms = EpicJwtDefaults.AllowedAlgorithms,
            RequireSignedTokens = true,
            IssuerSigningKeys = keys,
            TryAllIssuerSigningKeys = true,
            ValidateIssuerSigningKey = false,
            ValidateIssuer = true,
            ValidIssuers = tenant.IssuerVariants,
            ValidateAudience = true,
            RequireAudience = true,
            AudienceValidator = (audiences, _, _) => audiences.Any(a => tenant.AudienceMatches(a, requestPath)),
            ValidateLifetime = true,
            RequireExpirationTime = true,
            ClockSkew = tenant.ClockSkew,
            NameClaimType = "sub",
            AuthenticationType = EpicJwtDefaults.AuthenticationScheme,
            LogValidationExceptions = false,
        };

        var result = await _handler.ValidateTokenAsync(jwt, parameters).ConfigureAwait(false);
        if (!result.IsValid)
        {
            return EpicTokenValidationResult.Fail(TokenChecks.FailureReason(result.Exception), tenant.Id);
        }

        var subject = string.IsNullOrEmpty(jwt.Subject) ? null : jwt.Subject;
        if (subject is null)
        {
            if (tenant.RequireSubject)
            {
                return EpicTokenValidationResult.Fail(AuthFailureReason.MissingSubject, tenant.Id);
            }
        }
        else if (tenant.ClientId is not null && !string.Equals(subject, tenant.ClientId, StringComparison.Ordinal))
        {
            return EpicTokenValidationResult.Fail(AuthFailureReason.WrongSubject, tenant.Id);
        }

        var jti = jwt.Id;
        if (string.IsNullOrEmpty(jti) || jti.Length > MaxJtiLength)
        {
            return EpicTokenValidationResult.Fail(AuthFailureReason.MissingJti, tenant.Id);
        }

        var jtiExpires = new DateTimeOffset(DateTime.SpecifyKind(jwt.ValidTo, DateTimeKind.Utc)) + tenant.ClockSkew;
        var firstUse = !checkReplay || await RegisterAsync(tenant.Id, jti, jtiExpires, cancellationToken).ConfigureAwait(false);
        if (!firstUse)
        {
            return EpicTokenValidationResult.Fail(AuthFailureReason.Replay, tenant.Id);
        }

        var identity = new ClaimsIdentity(
            [
                new Claim(EpicJwtDefaults.TenantClaim, tenant.Id),
                new Claim("iss", issuer),
                new Claim("jti", jti),
                new Claim(JtiExpiresClaim, jtiExpires.ToUnixTimeMilliseconds().ToString(System.Globalization.CultureInfo.InvariantCulture)),
            ],
            EpicJwtDefaults.AuthenticationScheme, "sub", null);
        if (subject is not null)
        {
            identity.AddClaim(new Claim("sub", subject));
        }

        if (ClientTenant(jwt) is { } clientTenant)
        {
            identity.AddClaim(new Claim(ClientTenantClaim, clientTenant));
        }
        foreach (var aud in jwt.Audiences)
        {
            identity.AddClaim(new Claim("aud", aud));
        }

        return new EpicTokenValidationResult(new ClaimsPrincipal(identity), null, tenant.Id, null);
    }

    /// <summary>The claim with the token's jti expiry (Unix ms, skew included), for a replay check made after authentication.</summary>
    public const string JtiExpiresClaim = "cds.jti_expires";

    /// <summary>Registers (tenant, jti) in this instance's own bounded cache: the fallback while the shared store is down.</summary>
    public bool RegisterLocally(string tenant, string jti, DateTimeOffset expires) =>
        RegisterLocally(tenant, jti, expires, "the hook's record failed");

    private bool RegisterLocally(string tenant, string jti, DateTimeOffset expires, string why)
    {
        _metrics?.ReplayDegraded(tenant);
        _log?.LogWarning("Tenant {Tenant}: jti replay store unavailable ({Why}); checking replays on this instance only", tenant, why);
        return _localReplay.TryRegister(tenant, jti, expires, DateTimeOffset.UtcNow);
    }

    private async Task<bool> RegisterAsync(string tenant, string jti, DateTimeOffset expires, CancellationToken cancellationToken)
    {
        try
        {
            // Npgsql does not always honour cancellation while it connects, so the wait itself is bounded; a
            // registration that completes later is observed and dropped.
            var registration = _replay.TryRegisterAsync(tenant, jti, expires, cancellationToken);
            _ = registration.ContinueWith(static t => _ = t.Exception, CancellationToken.None,
                TaskContinuationOptions.OnlyOnFaulted | TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
            return await registration.WaitAsync(ReplayCheckTimeout, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception e) when (e is NpgsqlException or TimeoutException or InvalidOperationException or System.Net.Sockets.SocketException)
        {
            // The shared store is down (PostgreSQL outage): clinicians must keep getting answers, so this instance
            // falls back to its own bounded replay cache — a replay to the same instance is still refused; one to
            // another instance cannot be ruled out until the store is back. Counted and logged as degraded.
            return RegisterLocally(tenant, jti, expires, e.GetType().Name);
        }
    }

    /// <summary>
    /// The optional <c>tenant</c> claim (CDS Hooks 2.0: a string identifying the organisation invoking the hook; not PHI).
    /// Not checked against anything: absent, not a string, too long or with control characters, it is simply not recorded.
    /// </summary>
    internal static string? ClientTenant(JsonWebToken jwt)
    {
        if (!jwt.TryGetClaim(ClientTenantClaim, out var claim) || claim.ValueType != ClaimValueTypes.String)
        {
            return null;
        }

        var value = claim.Value;

        return value.Length is > 0 and <= MaxClientTenantLength && !value.Any(char.IsControl) ? value : null;
    }

    /// <summary>A header/claim value made safe for a log line: printable ASCII only, at most 200 characters.</summary>
    internal static string Safe(string? value)
    {
        if (string.IsNullOrEmpty(value))
        {
            return "(none)";
        }

        var cleaned = new string(value.Take(200).Select(c => c is >= ' ' and <= '~' ? c : '?').ToArray());
        return value.Length > 200 ? cleaned + "…" : cleaned;
    }
}
