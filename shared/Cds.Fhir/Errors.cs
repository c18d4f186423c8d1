using Cds.Tenants;

namespace Cds.Fhir;

/// <summary>
/// Base of every error this library raises. Messages name the tenant, resource types, client ids and what to do;
/// they never carry an access token, a client assertion, a patient id or any other PHI.
/// </summary>
public abstract class EpicFhirException : Exception
{
    protected EpicFhirException(string tenant, string message, Exception? inner = null) : base(message, inner) => Tenant = tenant;

    public string Tenant { get; }
}

/// <summary>Tenant configuration that cannot work (unknown tenant, missing/unreadable key, wrong client id for the environment...).</summary>
public sealed class TenantConfigurationException : EpicFhirException
{
    public TenantConfigurationException(string tenant, IReadOnlyList<string> problems)
        : base(tenant, $"Tenant '{tenant}' configuration is not usable: " + string.Join(" | ", problems)) => Problems = problems;

    public IReadOnlyList<string> Problems { get; }
}

/// <summary>
/// The token endpoint answered <c>invalid_client</c>: Epic does not know this client id (or its key) in this
/// environment. Almost always a NONPROD id used against production or the reverse, a PROD id the customer has not
/// downloaded yet, or a registration change that has not propagated.
/// </summary>
public sealed class EpicInvalidClientException : EpicFhirException
{
    public EpicInvalidClientException(string tenant, string? clientId, EpicEnvironment environment, string hint)
        : base(tenant, $"Epic rejected the backend client of tenant '{tenant}' with invalid_client: client id '{clientId}' " +
                       $"({(environment == EpicEnvironment.Production ? "PROD" : "NONPROD")} id, environment {environment}). {hint}")
    {
        ClientId = clientId;
        Environment = environment;
        Hint = hint;
    }

    public string? ClientId { get; }
    public EpicEnvironment Environment { get; }
    public string Hint { get; }
}

/// <summary>Any other refusal from the token endpoint (invalid_scope, invalid_grant, unsupported_grant_type, 5xx after retries...).</summary>
public sealed class EpicTokenRequestException : EpicFhirException
{
    public EpicTokenRequestException(string tenant, int? statusCode, string? error, string message, Exception? inner = null)
        : base(tenant, message, inner)
    {
        StatusCode = statusCode;
        Error = error;
    }

    public int? StatusCode { get; }

    /// <summary>The OAuth <c>error</c> code (e.g. <c>invalid_scope</c>), when the server sent one.</summary>
    public string? Error { get; }
}

/// <summary>
/// 403 from Epic: the access token is valid, but the app is not registered for this API (resource + interaction).
/// Not retried; a human must add the Incoming API to the app registration (and the scope to the tenant).
/// </summary>
public sealed class EpicNotAuthorizedForServiceException : EpicFhirException
{
    public EpicNotAuthorizedForServiceException(string tenant, string? clientId, string resource, FhirInteraction interaction, string? serverDescription)
        : base(tenant, BuildMessage(tenant, clientId, resource, interaction, serverDescription))
    {
        Resource = resource;
        Interaction = interaction;
        RegistrationHint = EpicApiNames.RegistrationHint(resource, interaction);
    }

    public string Resource { get; }
    public FhirInteraction Interaction { get; }

    /// <summary>What to register, e.g. "Incoming API 'Observation.Search (R4)' (scope system/Observation.s)".</summary>
    public string RegistrationHint { get; }

    private static string BuildMessage(string tenant, string? clientId, string resource, FhirInteraction interaction, string? serverDescription) =>
        $"Tenant '{tenant}': Epic answered 403 to {resource} {interaction.ToString().ToLowerInvariant()} for client id '{clientId}'" +
        (string.IsNullOrEmpty(serverDescription) ? "" : $" (\"{Sanitize(serverDescription)}\")") +
        $". The token is valid but the app is not authorized for this service: {EpicApiNames.RegistrationHint(resource, interaction)}. " +
        "Not retried; fix the registration at the customer.";

    private static string Sanitize(string s) => s.Length > 200 ? s[..200] : s;
}

/// <summary>401 again after one forced token refresh and one retry.</summary>
public sealed class EpicUnauthorizedException : EpicFhirException
{
    public EpicUnauthorizedException(string tenant, string resource, FhirInteraction interaction)
        : base(tenant, $"Tenant '{tenant}': Epic answered 401 to {resource} {interaction.ToString().ToLowerInvariant()} even with a freshly issued token. " +
                       "Check that the FHIR base and the token endpoint belong to the same Epic environment.")
    {
        Resource = resource;
        Interaction = interaction;
    }

    public string Resource { get; }
    public FhirInteraction Interaction { get; }
}

/// <summary>A search refused before the call (Epic's rules, unsupported parameter) or by the server (400/422 with an OperationOutcome).</summary>
public sealed class EpicSearchRejectedException : EpicFhirException
{
    public EpicSearchRejectedException(string tenant, string resource, string reason, int? statusCode = null, IReadOnlyList<string>? outcomeCodes = null)
        : base(tenant, $"Tenant '{tenant}': search on {resource} rejected{(statusCode is null ? " before the call" : $" by the server ({statusCode})")}: {reason}")
    {
        Resource = resource;
        Reason = reason;
        StatusCode = statusCode;
        OutcomeCodes = outcomeCodes ?? [];
    }

    public string Resource { get; }
    public string Reason { get; }
    public int? StatusCode { get; }

    /// <summary>OperationOutcome issue codes the server sent (e.g. Epic 4100, 4111, 4122); never diagnostics text.</summary>
    public IReadOnlyList<string> OutcomeCodes { get; }
}

/// <summary>A FHIR call that failed for another reason (5xx after retries, breaker open, timeout, unexpected status).</summary>
public sealed class EpicFhirCallException : EpicFhirException
{
    public EpicFhirCallException(string tenant, string resource, FhirInteraction interaction, int? statusCode, string reason, Exception? inner = null)
        : base(tenant, $"Tenant '{tenant}': {resource} {interaction.ToString().ToLowerInvariant()} failed" +
                       (statusCode is null ? "" : $" with HTTP {statusCode}") + $": {reason}", inner)
    {
        Resource = resource;
        Interaction = interaction;
        StatusCode = statusCode;
    }

    public string Resource { get; }
    public FhirInteraction Interaction { get; }
    public int? StatusCode { get; }
}

/// <summary>A write attempted while the tenant's <c>WriteBack.Enabled</c> switch is off.</summary>
public sealed class WriteBackDisabledException : EpicFhirException
{
    public WriteBackDisabledException(string tenant, string resource)
        : base(tenant, $"Tenant '{tenant}': write-back is disabled (Tenants:{tenant}:WriteBack:Enabled = false); {resource} create refused before the call.") =>
        Resource = resource;

    public string Resource { get; }
}
