namespace Cds.Fhir.Configuration;

/// <summary>Which Epic environment a tenant points at; it decides which of the two client ids is in force.</summary>
public enum EpicEnvironment
{
    NonProduction,
    Production,
}

/// <summary>
/// Root of the <c>Tenants</c> configuration section. Key = tenant id (an Epic customer); every message carries it.
/// Bound with <c>services.AddCdsFhir(configuration)</c> from the <c>Tenants</c> section of the given configuration.
/// </summary>
public sealed class FhirTenantsOptions
{
    public Dictionary<string, FhirTenantOptions> Tenants { get; set; } = new(StringComparer.OrdinalIgnoreCase);
}

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

/// <summary>SMART Backend Services registration of our app at this customer.</summary>
public sealed class BackendOptions
{
    public string? NonProdClientId { get; set; }

    public string? ProdClientId { get; set; }

    /// <summary>Path of a PEM file holding the RSA private key (PKCS#1 or PKCS#8, unencrypted). Never in the repository.</summary>
    public string? PrivateKeyPath { get; set; }

    /// <summary>Name of an environment variable holding the PEM text (or its base64). Wins over <see cref="PrivateKeyPath"/> when set and non-empty.</summary>
    public string? PrivateKeyEnv { get; set; }

    /// <summary>The <c>kid</c> of the public key registered with Epic (JWKS or uploaded certificate).</summary>
    public string? KeyId { get; set; }

    /// <summary>Optional JWK Set URL registered with Epic; put in the assertion header as <c>jku</c>.</summary>
    public string? Jku { get; set; }

    /// <summary>SMART system scopes requested, e.g. <c>system/Observation.rs</c>.</summary>
    public List<string> Scopes { get; set; } = [];

    /// <summary>Lifetime of a client assertion (<c>exp</c> - now). Epic and the SMART IG allow at most 5 minutes.</summary>
    public TimeSpan AssertionLifetime { get; set; } = TimeSpan.FromMinutes(4);

    /// <summary>
    /// How long before expiry a cached access token is replaced. The effective margin is the smaller of this and a
    /// fifth of the token's lifetime, so short-lived tokens are still used for most of their life.
    /// </summary>
    public TimeSpan RefreshBeforeExpiry { get; set; } = TimeSpan.FromMinutes(5);

    /// <summary>
    /// Skip the check that FhirBaseUrl's address (PRD / TST / POC markers) agrees with Environment. Never skips the
    /// check for Epic's public sandbox, which is always non-production.
    /// </summary>
    public bool AllowUnusualEnvironmentUrl { get; set; }
}

public sealed class SearchOptions
{
    /// <summary>Pages fetched per search call (the first included).</summary>
    public int MaxPages { get; set; } = 10;

    /// <summary>Resources of the searched type kept per search call.</summary>
    public int MaxResources { get; set; } = 1000;

    /// <summary>Response bytes read per search call, all pages together. A page that would go past it is not read.</summary>
    public long MaxBytes { get; set; } = 5_000_000;

    /// <summary><c>_count</c> sent with each search (a ceiling for Epic, which picks its own page size). 0 = do not send.</summary>
    public int PageSize { get; set; } = 100;

    /// <summary>Read supported search parameters from the tenant's CapabilityStatement (cached) and refuse others before the call.</summary>
    public bool UseCapabilityStatement { get; set; } = true;

    /// <summary>Per-resource search parameters known to work at this site, added to what the CapabilityStatement says.</summary>
    public Dictionary<string, List<string>> SupportedParameters { get; set; } = new(StringComparer.Ordinal);
}

/// <summary>Retries, timeouts and circuit breaker of the tenant's FHIR HttpClient (Microsoft.Extensions.Http.Resilience).</summary>
public sealed class FhirResilienceOptions
{
    /// <summary>Retries after the first attempt for 429, 5xx, 408 and timeouts. <c>Retry-After</c> is honoured.</summary>
    public int MaxRetryAttempts { get; set; } = 3;

    /// <summary>Base delay of the exponential backoff (with jitter) when the server sends no <c>Retry-After</c>.</summary>
    public TimeSpan RetryBaseDelay { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>Longest single wait between attempts, <c>Retry-After</c> included.</summary>
    public TimeSpan MaxRetryDelay { get; set; } = TimeSpan.FromSeconds(30);

    public TimeSpan AttemptTimeout { get; set; } = TimeSpan.FromSeconds(20);

    public TimeSpan TotalTimeout { get; set; } = TimeSpan.FromSeconds(90);

    /// <summary>Failure ratio (0-1] within <see cref="BreakerSamplingDuration"/> that opens the breaker.</summary>
    public double BreakerFailureRatio { get; set; } = 0.5;

    public int BreakerMinimumThroughput { get; set; } = 20;

    public TimeSpan BreakerSamplingDuration { get; set; } = TimeSpan.FromSeconds(60);

    public TimeSpan BreakerBreakDuration { get; set; } = TimeSpan.FromSeconds(30);
}

public sealed class WriteBackOptions
{
    /// <summary>Master switch for FHIR writes to this tenant; off by default (docs/epic-behaviours.md item 23).</summary>
    public bool Enabled { get; set; }
}
