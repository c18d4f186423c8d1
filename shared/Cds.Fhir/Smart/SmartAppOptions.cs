namespace Cds.Fhir.Smart;

/// <summary>
/// The SMART app behind the cards (<c>services/Cds.Smart</c>), section <c>SmartApp</c>: read by the hooks service
/// (to put the link on every card) and by the app (to open the link's context). Per-tenant registrations are under
/// <c>Tenants:{id}:SmartApp</c> (<see cref="SmartAppRegistration"/>).
/// </summary>
public sealed class SmartAppOptions
{
    public const string Section = "SmartApp";

    /// <summary>The app's launch URL, what the health system registers in Epic, e.g. <c>https://cds.example.org/smart/launch</c>. Empty: cards carry no link.</summary>
    public string? LaunchUrl { get; set; }

    /// <summary>Base64 AES-256 key sealing the links' <c>appContext</c>; the same in both services, from a secret store.</summary>
    public string? AppContextKey { get; set; }

    /// <summary>The link's label in Epic.</summary>
    public string LinkLabel { get; set; } = "Why this alert? Evidence and history";

    /// <summary>True when links can be issued: a launch URL and a usable key.</summary>
    public bool IssuesLinks => !string.IsNullOrWhiteSpace(LaunchUrl) && SmartAppContext.KeyProblem(AppContextKey) is null;
}

/// <summary>Public (PKCE only) or confidential (PKCE and a client secret) — Epic registers both kinds of app.</summary>
public enum SmartClientType
{
    Public,
    Confidential,
}

/// <summary>The SMART app's registration at one Epic customer: <c>Tenants:{id}:SmartApp</c>.</summary>
public sealed class SmartAppRegistration
{
    /// <summary>Epic's client id for the app (Epic issues NONPROD and PROD ids; this is the one in force for the tenant's environment).</summary>
    public string? ClientId { get; set; }

    public SmartClientType ClientType { get; set; } = SmartClientType.Public;

    /// <summary>Confidential only: the environment variable holding the client secret (never the secret itself).</summary>
    public string? ClientSecretEnv { get; set; }

    /// <summary>The redirect URI registered in Epic, exactly, e.g. <c>https://cds.example.org/smart/callback</c>.</summary>
    public string? RedirectUri { get; set; }

    /// <summary>Scopes of the EHR launch (v1 <c>patient/Observation.read</c> or v2 <c>patient/Observation.rs</c>).</summary>
    public List<string> Scopes { get; set; } = ["launch", "openid", "fhirUser", "offline_access", "patient/*.rs"];
}
