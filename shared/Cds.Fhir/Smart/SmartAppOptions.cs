using Cds.Tenants;

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
