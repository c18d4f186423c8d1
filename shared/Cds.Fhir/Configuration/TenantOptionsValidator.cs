using System.Net;
using System.Text.RegularExpressions;
using Cds.Fhir.Smart;
using Microsoft.Extensions.Options;

namespace Cds.Fhir.Configuration;

/// <summary>
/// Start-up validation of every tenant (registered with ValidateOnStart by <c>AddCdsFhir</c>). Each problem is one
/// sentence that names the tenant, the setting and what to do.
/// </summary>
public sealed partial class TenantOptionsValidator : IValidateOptions<FhirTenantsOptions>
{
    /// <summary>Host of Epic's public sandbox: accepts NONPROD client ids only.</summary>
    public const string EpicPublicSandboxHost = "fhir.epic.com";

    public ValidateOptionsResult Validate(string? name, FhirTenantsOptions options)
    {
        var failures = new List<string>();
        if (options.Tenants.Count == 0)
        {
            failures.Add("No tenant configured: add a 'Tenants:<tenant id>' section with FhirBaseUrl, Environment and Backend.");
        }

        foreach (var (id, tenant) in options.Tenants)
        {
            failures.AddRange(ValidateTenant(id, tenant).Select(p => $"Tenant '{id}': {p}"));
        }

        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }

    /// <summary>All problems of one tenant (empty when usable). Loads the private key to prove it signs RS384.</summary>
    public static IReadOnlyList<string> ValidateTenant(string id, FhirTenantOptions t)
    {
        var p = new List<string>();
        if (!TenantIdPattern().IsMatch(id))
        {
            p.Add("the tenant id must be 1-64 letters, digits, '-', '_' or '.'.");
        }

        if (!Enum.IsDefined(t.Environment))
        {
            p.Add("Environment must be NonProduction or Production.");
        }

        var baseUri = ValidateBaseUrl(t, p);
        ValidateClientIds(t, baseUri, p);
        ValidateKey(t.Backend, p);
        ValidateScopes(t.Backend.Scopes, p);
        ValidateSearch(t.Search, p);
        ValidateResilience(t.Resilience, p);
        p.AddRange(SmartAppProblems(t));
        return p;
    }

    /// <summary>Problems of <c>SmartApp</c> (none when the tenant has no SMART app registration).</summary>
    public static IReadOnlyList<string> SmartAppProblems(FhirTenantOptions t)
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
        if (!Uri.TryCreate(app.RedirectUri, UriKind.Absolute, out var redirect) || !(redirect.Scheme == Uri.UriSchemeHttps || (redirect.Scheme == Uri.UriSchemeHttp && IsLoopback(redirect)))
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

    private static Uri? ValidateBaseUrl(FhirTenantOptions t, List<string> p)
    {
        if (string.IsNullOrWhiteSpace(t.FhirBaseUrl))
        {
            p.Add("FhirBaseUrl is empty: set the organisation's FHIR R4 base, e.g. https://<host>/interconnect-.../api/FHIR/R4/.");
            return null;
        }

        if (!Uri.TryCreate(t.FhirBaseUrl, UriKind.Absolute, out var uri) || (uri.Scheme != Uri.UriSchemeHttps && uri.Scheme != Uri.UriSchemeHttp))
        {
            p.Add($"FhirBaseUrl '{t.FhirBaseUrl}' is not an absolute http(s) URL.");
            return null;
        }

        if (uri.Scheme == Uri.UriSchemeHttp && !IsLoopback(uri))
        {
            p.Add($"FhirBaseUrl '{t.FhirBaseUrl}' uses plain http on a non-loopback host: tokens would travel in clear; use https.");
        }

        if (!string.IsNullOrEmpty(uri.Query) || !string.IsNullOrEmpty(uri.Fragment))
        {
            p.Add($"FhirBaseUrl '{t.FhirBaseUrl}' must not have a query or fragment.");
        }

        return uri;
    }

    private static void ValidateClientIds(FhirTenantOptions t, Uri? baseUri, List<string> p)
    {
        var b = t.Backend;
        var nonProd = b.NonProdClientId?.Trim();
        var prod = b.ProdClientId?.Trim();
        var isEpicSandbox = baseUri is not null && baseUri.Host.Equals(EpicPublicSandboxHost, StringComparison.OrdinalIgnoreCase);

        if (isEpicSandbox && t.Environment == EpicEnvironment.Production)
        {
            p.Add($"FhirBaseUrl is Epic's public sandbox ({EpicPublicSandboxHost}), which accepts only NONPROD client ids, but Environment is Production " +
                  "so the PROD client id would be sent and Epic would answer invalid_client: set Environment to NonProduction (NONPROD id in force).");
        }
        else if (baseUri is not null && !isEpicSandbox && !b.AllowUnusualEnvironmentUrl)
        {
            var looks = GuessEnvironment(baseUri);
            if (looks == EpicEnvironment.Production && t.Environment == EpicEnvironment.NonProduction)
            {
                p.Add($"FhirBaseUrl '{t.FhirBaseUrl}' looks like a production endpoint (PRD/prod in its address) but Environment is NonProduction, " +
                      "so the NONPROD client id would be sent and Epic would answer invalid_client: set Environment to Production (PROD id in force), " +
                      "or set Backend.AllowUnusualEnvironmentUrl if the address misleads.");
            }
            else if (looks == EpicEnvironment.NonProduction && t.Environment == EpicEnvironment.Production)
            {
                p.Add($"FhirBaseUrl '{t.FhirBaseUrl}' looks like a non-production endpoint (TST/POC/sandbox in its address) but Environment is Production, " +
                      "so the PROD client id would be sent and Epic would answer invalid_client: set Environment to NonProduction (NONPROD id in force), " +
                      "or set Backend.AllowUnusualEnvironmentUrl if the address misleads.");
            }
        }

        if (t.Environment == EpicEnvironment.Production && string.IsNullOrEmpty(prod))
        {
            p.Add(string.IsNullOrEmpty(nonProd)
                ? "Environment is Production but Backend.ProdClientId is empty: set the PROD client id Epic issued for this app."
                : "Environment is Production but Backend.ProdClientId is empty; only a NONPROD id is configured, and Epic answers invalid_client " +
                  "to a NONPROD id in production: set Backend.ProdClientId (it works once the customer has downloaded the client).");
        }

        if (t.Environment == EpicEnvironment.NonProduction && string.IsNullOrEmpty(nonProd))
        {
            p.Add(string.IsNullOrEmpty(prod)
                ? "Environment is NonProduction but Backend.NonProdClientId is empty: set the NONPROD client id Epic issued for this app."
                : "Environment is NonProduction but Backend.NonProdClientId is empty; only a PROD id is configured, and Epic answers invalid_client " +
                  "to a PROD id outside production: set Backend.NonProdClientId.");
        }

        if (!string.IsNullOrEmpty(nonProd) && nonProd == prod)
        {
            p.Add("Backend.NonProdClientId and Backend.ProdClientId are the same; Epic issues two different ids, so one of them is wrong " +
                  "(copy both from the app's page on Epic's developer site).");
        }

        if (string.IsNullOrWhiteSpace(b.KeyId))
        {
            p.Add("Backend.KeyId is empty: set the 'kid' of the public key registered with Epic (the assertion header must carry it).");
        }

        if (!string.IsNullOrWhiteSpace(b.Jku))
        {
            if (!Uri.TryCreate(b.Jku, UriKind.Absolute, out var jku) || !(jku.Scheme == Uri.UriSchemeHttps || (jku.Scheme == Uri.UriSchemeHttp && IsLoopback(jku))))
            {
                p.Add($"Backend.Jku '{b.Jku}' must be an absolute https URL (the JWK Set URL registered with Epic), or be left empty.");
            }
        }

        if (b.AssertionLifetime <= TimeSpan.Zero || b.AssertionLifetime > TimeSpan.FromMinutes(5))
        {
            p.Add($"Backend.AssertionLifetime {b.AssertionLifetime} must be more than 0 and at most 00:05:00 (Epic refuses assertions with exp more than 5 minutes ahead).");
        }

        if (b.RefreshBeforeExpiry < TimeSpan.Zero)
        {
            p.Add("Backend.RefreshBeforeExpiry must not be negative.");
        }
    }

    private static void ValidateKey(BackendOptions b, List<string> p)
    {
        using var key = PrivateKeyLoader.TryLoad(b, out var problem);
        if (key is null)
        {
            p.Add(problem ?? "the private key cannot be loaded.");
        }
    }

    private static void ValidateScopes(List<string> scopes, List<string> p)
    {
        if (scopes.Count == 0)
        {
            p.Add("Backend.Scopes is empty: list the SMART system scopes to request, e.g. system/Patient.rs, system/Observation.rs.");
            return;
        }

        foreach (var scope in scopes)
        {
            var problem = ScopeProblem(scope);
            if (problem is not null)
            {
                p.Add(problem);
            }
        }
    }

    /// <summary>Null when <paramref name="scope"/> is a valid SMART system scope (v1 read/write/* or v2 cruds).</summary>
    public static string? ScopeProblem(string? scope)
    {
        if (string.IsNullOrWhiteSpace(scope))
        {
            return "Backend.Scopes has an empty entry.";
        }

        if (SystemScopePattern().IsMatch(scope))
        {
            var m = SystemScopePattern().Match(scope);
            var permissions = m.Groups["perm"].Value;
            if (permissions is "read" or "write" or "*" || V2PermissionsPattern().IsMatch(permissions))
            {
                return null;
            }

            return $"scope '{scope}': permissions '{permissions}' are neither SMART v1 (read, write, *) nor SMART v2 letters in the order c, r, u, d, s.";
        }

        if (scope.Contains(' ', StringComparison.Ordinal) || EpicApiPattern().IsMatch(scope))
        {
            return $"scope '{scope}' looks like an Epic API name, not a SMART scope: request e.g. 'system/Patient.rs' and register the API on the app at Epic.";
        }

        if (scope.StartsWith("patient/", StringComparison.Ordinal) || scope.StartsWith("user/", StringComparison.Ordinal))
        {
            return $"scope '{scope}' is a {scope[..scope.IndexOf('/')]}-level scope; Backend Services tokens carry system/ scopes only (e.g. 'system/{scope[(scope.IndexOf('/') + 1)..]}').";
        }

        if (scope is "launch" or "openid" or "fhirUser" or "offline_access" or "online_access" || scope.StartsWith("launch/", StringComparison.Ordinal))
        {
            return $"scope '{scope}' belongs to an interactive SMART launch, not to Backend Services; remove it.";
        }

        return $"scope '{scope}' has an unknown syntax; expected system/<ResourceType|*>.<read|write|*|cruds>, e.g. 'system/Observation.rs'.";
    }

    private static void ValidateSearch(SearchOptions s, List<string> p)
    {
        if (s.MaxPages < 1)
        {
            p.Add("Search.MaxPages must be at least 1.");
        }

        if (s.MaxResources < 1)
        {
            p.Add("Search.MaxResources must be at least 1.");
        }

        if (s.MaxBytes < 1024)
        {
            p.Add("Search.MaxBytes must be at least 1024.");
        }

        if (s.PageSize < 0)
        {
            p.Add("Search.PageSize must be 0 (do not send _count) or more.");
        }

        foreach (var (resource, parameters) in s.SupportedParameters)
        {
            if (!ResourceTypePattern().IsMatch(resource))
            {
                p.Add($"Search.SupportedParameters key '{resource}' is not a FHIR resource type name.");
            }

            if (parameters.Any(string.IsNullOrWhiteSpace))
            {
                p.Add($"Search.SupportedParameters:{resource} has an empty entry.");
            }
        }
    }

    private static void ValidateResilience(FhirResilienceOptions r, List<string> p)
    {
        if (r.MaxRetryAttempts is < 1 or > 10)
        {
            p.Add("Resilience.MaxRetryAttempts must be between 1 and 10.");
        }

        if (r.RetryBaseDelay < TimeSpan.Zero || r.MaxRetryDelay <= TimeSpan.Zero)
        {
            p.Add("Resilience.RetryBaseDelay must not be negative and Resilience.MaxRetryDelay must be positive.");
        }

        if (r.AttemptTimeout < TimeSpan.FromMilliseconds(10))
        {
            p.Add("Resilience.AttemptTimeout must be at least 10 ms.");
        }

        if (r.TotalTimeout <= r.AttemptTimeout)
        {
            p.Add($"Resilience.TotalTimeout ({r.TotalTimeout}) must be longer than Resilience.AttemptTimeout ({r.AttemptTimeout}).");
        }

        if (r.BreakerSamplingDuration < 2 * r.AttemptTimeout)
        {
            p.Add($"Resilience.BreakerSamplingDuration ({r.BreakerSamplingDuration}) must be at least twice Resilience.AttemptTimeout ({r.AttemptTimeout}).");
        }

        if (r.BreakerFailureRatio is <= 0 or > 1)
        {
            p.Add("Resilience.BreakerFailureRatio must be in (0, 1].");
        }

        if (r.BreakerMinimumThroughput < 2)
        {
            p.Add("Resilience.BreakerMinimumThroughput must be at least 2.");
        }

        if (r.BreakerBreakDuration < TimeSpan.FromMilliseconds(500))
        {
            p.Add("Resilience.BreakerBreakDuration must be at least 500 ms.");
        }
    }

    /// <summary>What the address of a FHIR base says about its environment, when it says anything (Epic-hosted URLs usually do).</summary>
    public static EpicEnvironment? GuessEnvironment(Uri baseUri)
    {
        if (baseUri.Host.Equals(EpicPublicSandboxHost, StringComparison.OrdinalIgnoreCase))
        {
            return EpicEnvironment.NonProduction;
        }

        var tokens = (baseUri.Host + "/" + baseUri.AbsolutePath).Split(['/', '.', '-', '_'], StringSplitOptions.RemoveEmptyEntries);
        if (tokens.Any(x => ProductionTokenPattern().IsMatch(x)))
        {
            return EpicEnvironment.Production;
        }

        if (tokens.Any(x => NonProductionTokenPattern().IsMatch(x)))
        {
            return EpicEnvironment.NonProduction;
        }

        return null;
    }

    private static bool IsLoopback(Uri uri) =>
        uri.IsLoopback || (IPAddress.TryParse(uri.Host.Trim('[', ']'), out var ip) && IPAddress.IsLoopback(ip));

    [GeneratedRegex(@"^(launch|launch/patient|launch/encounter|openid|fhirUser|profile|offline_access|online_access|(patient|user|system)/(\*|[A-Z][A-Za-z]+)\.(read|write|\*|c?r?u?d?s?))$")]
    private static partial Regex LaunchScopePattern();

    [GeneratedRegex("^[A-Za-z0-9_.-]{1,64}$")]
    private static partial Regex TenantIdPattern();

    [GeneratedRegex(@"^system/(?<type>\*|[A-Z][A-Za-z]+)\.(?<perm>[a-z*]+)(\?[^\s?]+)?$")]
    private static partial Regex SystemScopePattern();

    [GeneratedRegex("^c?r?u?d?s?$")]
    private static partial Regex V2PermissionsPattern();

    [GeneratedRegex(@"^[A-Z][A-Za-z]+\.(Read|Search|Create|Update)\b")]
    private static partial Regex EpicApiPattern();

    [GeneratedRegex("^[A-Z][A-Za-z]+$")]
    private static partial Regex ResourceTypePattern();

    [GeneratedRegex("^(.*prd|prod|production)$", RegexOptions.IgnoreCase)]
    private static partial Regex ProductionTokenPattern();

    [GeneratedRegex("^(.*tst|.*poc|nonprod|np|test|sandbox|staging|stage)$", RegexOptions.IgnoreCase)]
    private static partial Regex NonProductionTokenPattern();
}
