using System.Security.Claims;
using Cds.Hooks.Requests;
using System.Text.Encodings.Web;
using Microsoft.AspNetCore.Authentication;
using Microsoft.Extensions.Options;
using Microsoft.IdentityModel.JsonWebTokens;

namespace Cds.Hooks.Security;

/// <summary>
/// The "EpicJwt" scheme: <c>Authorization: Bearer &lt;Epic hook JWT&gt;</c>. Success: a principal with cds:tenant, iss,
/// sub, jti (and aud). Failure: 401 with <c>WWW-Authenticate: Bearer</c> and an OperationOutcome that says only that a
/// CDS Hooks JWT is required (which check failed is not disclosed to the caller); the reason category is logged and
/// counted, never the token.
/// </summary>
internal sealed partial class EpicJwtAuthenticationHandler : AuthenticationHandler<EpicJwtOptions>
{
    private const string FailureItemKey = "Cds.Hooks.Security.AuthFailureReason";
    private readonly EpicTokenValidator _validator;
    private readonly HookAuthTenantRegistry _tenants;
    private readonly EpicJwtMetrics _metrics;

    public EpicJwtAuthenticationHandler(
        IOptionsMonitor<EpicJwtOptions> options,
        ILoggerFactory logger,
        UrlEncoder encoder,
        EpicTokenValidator validator,
        HookAuthTenantRegistry tenants,
        EpicJwtMetrics metrics)
        : base(options, logger, encoder)
    {
        _validator = validator;
        _tenants = tenants;
        _metrics = metrics;
    }

    protected override async Task<AuthenticateResult> HandleAuthenticateAsync()
    {
        var token = ReadBearerToken();
        if (!Options.Enabled)
        {
            return AuthenticateWithoutVerification(token);
        }

        if (token is null)
        {
            // Anonymous endpoints (discovery) stay usable; protected ones get the challenge below.
            return AuthenticateResult.NoResult();
        }

        // The hook route registers the jti in the hook's own append (one round trip with its record); everything else here.
        var replayLater = Context.GetEndpoint()?.Metadata.GetMetadata<JtiCheckedOnRecord>() is not null;
        var result = await _validator.ValidateAsync(token, Request.Path.Value ?? "/", Context.RequestAborted, checkReplay: !replayLater)
            .ConfigureAwait(false);
        if (result.Failure is { } reason)
        {
            Context.Items[FailureItemKey] = reason;
            LogRefused(Logger, reason.ToTag(), result.Tenant ?? "(unknown)", result.Detail ?? "");
            _metrics.Failure(reason, result.Tenant);
            return AuthenticateResult.Fail(reason.ToTag());
        }

        _metrics.Success(result.Tenant!);
        return AuthenticateResult.Success(new AuthenticationTicket(result.Principal!, Scheme.Name));
    }

    protected override Task HandleChallengeAsync(AuthenticationProperties properties)
    {
        if (!Context.Items.ContainsKey(FailureItemKey))
        {
            Context.Items[FailureItemKey] = AuthFailureReason.MissingToken;
            LogRefused(Logger, AuthFailureReason.MissingToken.ToTag(), "(unknown)", "");
            _metrics.Failure(AuthFailureReason.MissingToken, null);
        }

        // 401 with a generic OperationOutcome (never which check failed); status-code pages must not add their own body.
        if (Context.Features.Get<Microsoft.AspNetCore.Diagnostics.IStatusCodePagesFeature>() is { } statusPages)
        {
            statusPages.Enabled = false;
        }

        Response.Headers.WWWAuthenticate = "Bearer";
        return WriteRefusalAsync(StatusCodes.Status401Unauthorized, RefusalMessage);
    }

    private const string RefusalMessage =
        "This CDS service needs a signed CDS Hooks JWT it trusts (Authorization: Bearer <JWT>); the token was missing or not accepted.";

    /// <summary>
    /// The refusal of a jti found replayed when the hook was recorded (<see cref="JtiCheckedOnRecord"/>): the same 401,
    /// header, OperationOutcome, log line and metric as a replay refused here.
    /// </summary>
    internal static IResult RefuseReplay(HttpContext context, string tenant)
    {
        var log = context.RequestServices.GetRequiredService<ILoggerFactory>().CreateLogger<EpicJwtAuthenticationHandler>();
        LogRefused(log, AuthFailureReason.Replay.ToTag(), tenant, "");
        context.RequestServices.GetRequiredService<EpicJwtMetrics>().Failure(AuthFailureReason.Replay, tenant);
        context.Response.Headers.WWWAuthenticate = "Bearer";
        return OperationOutcomes.Problem(StatusCodes.Status401Unauthorized, [("", RefusalMessage)]);
    }

    protected override Task HandleForbiddenAsync(AuthenticationProperties properties) =>
        WriteRefusalAsync(StatusCodes.Status403Forbidden, "The caller is authenticated but not allowed to call this CDS service.");

    private Task WriteRefusalAsync(int status, string message) =>
        OperationOutcomes.Problem(status, [("", message)]).ExecuteAsync(Context);

    private string? ReadBearerToken()
    {
        var header = Request.Headers.Authorization.ToString();
        const string prefix = "Bearer ";
        if (!header.StartsWith(prefix, StringComparison.OrdinalIgnoreCase))
        {
            return null;
        }

        var token = header[prefix.Length..].Trim();
        return token.Length == 0 ? null : token;
    }

    /// <summary>HookAuth:Enabled=false (local development only): the token, if any, is read but NOT verified.</summary>
    private AuthenticateResult AuthenticateWithoutVerification(string? token)
    {
        string? iss = null, sub = null, jti = null, jku = null, clientTenant = null;
        if (token is not null && token.Length <= EpicTokenValidator.MaxTokenLength)
        {
            try
            {
                var jwt = new JsonWebToken(token);
                iss = jwt.Issuer;
                sub = jwt.Subject;
                jti = jwt.Id;
                jwt.TryGetHeaderValue("jku", out jku);
                clientTenant = EpicTokenValidator.ClientTenant(jwt);
            }
            catch (ArgumentException)
            {
                // Unreadable token: treated like no token.
            }
        }

        var tenant = iss is null ? null : _tenants.Resolve(iss, jku).Tenant?.Id;
        if (tenant is null && _tenants.Tenants.Count == 1)
        {
            tenant = _tenants.Tenants[0].Id;
        }

        if (tenant is null)
        {
            return AuthenticateResult.NoResult();
        }

        var claims = new List<Claim> { new(EpicJwtDefaults.TenantClaim, tenant), new(EpicJwtDefaults.AuthModeClaim, "disabled") };
        if (!string.IsNullOrEmpty(iss)) { claims.Add(new Claim("iss", iss)); }
        if (!string.IsNullOrEmpty(sub)) { claims.Add(new Claim("sub", sub)); }
        if (!string.IsNullOrEmpty(jti)) { claims.Add(new Claim("jti", jti)); }
        if (clientTenant is not null) { claims.Add(new Claim(EpicTokenValidator.ClientTenantClaim, clientTenant)); }
        var identity = new ClaimsIdentity(claims, Scheme.Name, "sub", null);
        return AuthenticateResult.Success(new AuthenticationTicket(new ClaimsPrincipal(identity), Scheme.Name));
    }

    [LoggerMessage(EventId = 4100, Level = LogLevel.Warning, Message = "Epic hook JWT refused: {Reason} (tenant {Tenant}) {Detail}")]
    private static partial void LogRefused(ILogger logger, string reason, string tenant, string detail);
}
