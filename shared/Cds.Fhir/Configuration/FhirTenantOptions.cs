namespace Cds.Fhir.Configuration;

/// <summary>One Epic customer in one environment. Only the parts this library owns are bound; the rest is ignored.</summary>
public sealed class FhirTenantOptions
{
    public string? Name { get; set; }

    public EpicEnvironment Environment { get; set; } = EpicEnvironment.NonProduction;

    /// <summary>The organisation's FHIR R4 base, e.g. <c>https://fhir.epic.com/interconnect-fhir-oauth/api/FHIR/R4/</c>.</summary>
    public string? FhirBaseUrl { get; set; }

    public BackendOptions Backend { get; set; } = new();

    public SearchOptions Search { get; set; } = new();

    public FhirResilienceOptions Resilience { get; set; } = new();

    /// <summary>Owned by the write-back service; carried here because <see cref="EpicFhirClient.CreateAsync{T}"/> refuses writes when off.</summary>
    public WriteBackOptions WriteBack { get; set; } = new();

    /// <summary>Bulk Data <c>$export</c> of this tenant's Group (population sync).</summary>
    public Bulk.BulkExportOptions Bulk { get; set; } = new();

    /// <summary>The SMART app's registration (EHR and standalone launch); null: the app refuses this tenant's launches.</summary>
    public Smart.SmartAppRegistration? SmartApp { get; set; }

    /// <summary>The client id in force for <see cref="Environment"/>: NONPROD in non-production, PROD in production.</summary>
    public string? ClientIdInForce => Environment == EpicEnvironment.Production ? Backend.ProdClientId : Backend.NonProdClientId;

    /// <summary>"NONPROD" or "PROD", as Epic's app registration page calls the two ids.</summary>
    public string ClientIdKind => Environment == EpicEnvironment.Production ? "PROD" : "NONPROD";
}
