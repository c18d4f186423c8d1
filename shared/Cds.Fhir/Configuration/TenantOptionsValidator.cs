using System.Net;
using System.Text.RegularExpressions;
using Cds.Tenants;

namespace Cds.Fhir.Configuration;

/// <summary>
/// The start-up check of the parts Cds.Fhir owns (FhirBaseUrl, Environment, Backend, Search, Resilience, SmartApp), one
/// of the checks of the tenant validation <c>AddCdsFhir</c> registers. Each problem is one sentence that names the
/// tenant, the setting and what to do.
/// </summary>
public sealed partial class TenantOptionsValidator : ITenantSettingsCheck
{
    /// <summary>Host of Epic's public sandbox: accepts NONPROD client ids only.</summary>
    public const string EpicPublicSandboxHost = "fhir.epic.com";

    public IEnumerable<string> Problems(ConfiguredTenants options)
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

        return failures;
    }

    /// <summary>All problems of one tenant (empty when usable). Loads the private key to prove it signs RS384.</summary>
    public static IReadOnlyList<string> ValidateTenant(string id, TenantSettings t)
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
        FhirLimitsCheck.ValidateSearch(t.Search, p);
        FhirLimitsCheck.ValidateResilience(t.Resilience, p);
        p.AddRange(SmartAppRegistrationCheck.Problems(t));
        return p;
    }

    private static Uri? ValidateBaseUrl(TenantSettings t, List<string> p)
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

    private static void ValidateClientIds(TenantSettings t, Uri? baseUri, List<string> p)
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

    internal static bool IsLoopback(Uri uri) =>
        uri.IsLoopback || (IPAddress.TryParse(uri.Host.Trim('[', ']'), out var ip) && IPAddress.IsLoopback(ip));

    [GeneratedRegex("^[A-Za-z0-9_.-]{1,64}$")]
    private static partial Regex TenantIdPattern();

    [GeneratedRegex(@"^system/(?<type>\*|[A-Z][A-Za-z]+)\.(?<perm>[a-z*]+)(\?[^\s?]+)?$")]
    private static partial Regex SystemScopePattern();

    [GeneratedRegex("^c?r?u?d?s?$")]
    private static partial Regex V2PermissionsPattern();

    [GeneratedRegex(@"^[A-Z][A-Za-z]+\.(Read|Search|Create|Update)\b")]
    private static partial Regex EpicApiPattern();

    [GeneratedRegex("^(.*prd|prod|production)$", RegexOptions.IgnoreCase)]
    private static partial Regex ProductionTokenPattern();

    [GeneratedRegex("^(.*tst|.*poc|nonprod|np|test|sandbox|staging|stage)$", RegexOptions.IgnoreCase)]
    private static partial Regex NonProductionTokenPattern();
}
