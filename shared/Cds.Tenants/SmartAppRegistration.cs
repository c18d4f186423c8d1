namespace Cds.Tenants;

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
