using Cds.Rules;

namespace Cds.Tenants;

/// <summary>
/// One Epic customer in one environment: everything under <c>Tenants:{id}</c>, bound once by
/// <see cref="TenantSettingsBinder"/> and validated at start-up by <see cref="TenantSettingsValidator"/>. Each part is
/// owned by the service that acts on it; every service reads the same object (<see cref="ConfiguredTenants"/>).
/// </summary>
public sealed class TenantSettings
{
    public string? Name { get; set; }

    public EpicEnvironment Environment { get; set; } = EpicEnvironment.NonProduction;

    /// <summary>The organisation's FHIR R4 base, e.g. <c>https://fhir.epic.com/interconnect-fhir-oauth/api/FHIR/R4/</c>.</summary>
    public string? FhirBaseUrl { get; set; }

    /// <summary>SMART Backend Services registration (Cds.Fhir).</summary>
    public BackendOptions Backend { get; set; } = new();

    /// <summary>Search limits and known parameters (Cds.Fhir).</summary>
    public SearchOptions Search { get; set; } = new();

    /// <summary>Retries, timeouts and circuit breaker of the tenant's FHIR client (Cds.Fhir).</summary>
    public FhirResilienceOptions Resilience { get; set; } = new();

    /// <summary>Hook JWT verification (Cds.Hooks); null: this tenant calls no hooks.</summary>
    public TenantHookAuthOptions? HookAuth { get; set; }

    /// <summary>Note write-back (Cds.WriteBack); <c>Enabled</c> is also enforced by Cds.Fhir, which refuses creates when off.</summary>
    public TenantWriteBackSettings WriteBack { get; set; } = new();

    /// <summary>The tenant's own hook rate (Cds.Hooks).</summary>
    public TenantRateLimitSettings RateLimit { get; set; } = new();

    /// <summary>Silent mode (Cds.Rules), switched at runtime by a reload of the tenants file.</summary>
    public TenantAlertSettings Alerts { get; set; } = new();

    /// <summary><c>Rules:{ruleId}</c>: the tenant's tuning of each rule (enabled, parameter overrides), checked by the rule's own kind.</summary>
    public Dictionary<string, TenantRuleSettings> Rules { get; set; } = new(StringComparer.OrdinalIgnoreCase);

    /// <summary>Bulk Data <c>$export</c> of this tenant's Group (population sync).</summary>
    public BulkExportOptions Bulk { get; set; } = new();

    /// <summary>The SMART app's registration (EHR and standalone launch); null: the app refuses this tenant's launches.</summary>
    public SmartAppRegistration? SmartApp { get; set; }

    /// <summary>The client id in force for <see cref="Environment"/>: NONPROD in non-production, PROD in production.</summary>
    public string? ClientIdInForce => Environment == EpicEnvironment.Production ? Backend.ProdClientId : Backend.NonProdClientId;

    /// <summary>"NONPROD" or "PROD", as Epic's app registration page calls the two ids.</summary>
    public string ClientIdKind => Environment == EpicEnvironment.Production ? "PROD" : "NONPROD";
}
