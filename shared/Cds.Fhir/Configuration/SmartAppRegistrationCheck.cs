using System.Text.RegularExpressions;
using Cds.Tenants;

namespace Cds.Fhir.Configuration;

/// <summary>The start-up check of <c>Tenants:{id}:SmartApp</c> (part of <see cref="TenantOptionsValidator"/>; the SMART app host runs it too).</summary>
public static partial class SmartAppRegistrationCheck
{
    /// <summary>Problems of <c>SmartApp</c> (none when the tenant has no SMART app registration).</summary>
    public static IReadOnlyList<string> Problems(TenantSettings t)
    {
        var p = new List<string>();
        if (t.SmartApp is not { } app)
        {
            return p;
        }
        if (string.IsNullOrWhiteSpace(app.ClientId))
        {
            p.Add($"SmartApp.ClientId is empty: set the {t.ClientIdKind} client id Epic issued for the SMART app (not the backend client's).");
        }
        else if (app.ClientId == t.Backend.NonProdClientId || app.ClientId == t.Backend.ProdClientId)
        {
            p.Add("SmartApp.ClientId is the Backend Services client's id: the SMART app is a separate Epic registration with its own id.");
        }
        if (!Enum.IsDefined(app.ClientType))
        {
            p.Add("SmartApp.ClientType must be Public or Confidential.");
        }
        else if (app.ClientType == SmartClientType.Confidential && string.IsNullOrWhiteSpace(app.ClientSecretEnv is { Length: > 0 } env ? System.Environment.GetEnvironmentVariable(env) : null))
        {
            p.Add(string.IsNullOrWhiteSpace(app.ClientSecretEnv)
                ? "SmartApp.ClientSecretEnv is empty: a confidential app names the environment variable holding its client secret."
                : $"SmartApp.ClientSecretEnv: environment variable '{app.ClientSecretEnv}' is not set.");
        }
        if (!Uri.TryCreate(app.RedirectUri, UriKind.Absolute, out var redirect) || !(redirect.Scheme == Uri.UriSchemeHttps || (redirect.Scheme == Uri.UriSchemeHttp && TenantOptionsValidator.IsLoopback(redirect)))
            || !string.IsNullOrEmpty(redirect.Fragment))
        {
            p.Add($"SmartApp.RedirectUri '{app.RedirectUri}' must be an absolute https URL without fragment (http only on loopback), exactly as registered in Epic.");
        }
        if (app.Scopes.Count == 0)
        {
            p.Add("SmartApp.Scopes is empty: e.g. launch openid fhirUser offline_access patient/*.rs.");
        }
        foreach (var scope in app.Scopes)
        {
            if (!LaunchScopePattern().IsMatch(scope ?? ""))
            {
                p.Add($"SmartApp.Scopes '{scope}' is not a SMART launch scope (launch, launch/patient, openid, fhirUser, offline_access, online_access, patient/<Type|*>.<read|rs|...> or user/...).");
            }
            else if (scope!.StartsWith("system/", StringComparison.Ordinal))
            {
                p.Add($"SmartApp.Scopes '{scope}' is a system scope: those belong to Backend.Scopes, not to a user's launch.");
            }
        }
        return p;
    }

    [GeneratedRegex(@"^(launch|launch/patient|launch/encounter|openid|fhirUser|profile|offline_access|online_access|(patient|user|system)/(\*|[A-Z][A-Za-z]+)\.(read|write|\*|c?r?u?d?s?))$")]
    private static partial Regex LaunchScopePattern();
}
