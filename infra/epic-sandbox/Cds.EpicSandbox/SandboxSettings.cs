namespace Cds.EpicSandbox;

public sealed record SandboxSettings
{
    /// <summary>0 = pick a free port (tests). The command defaults to 5180.</summary>
    public int Port { get; init; }

    /// <summary>Loopback address to bind; Kestrel always listens on 127.0.0.1 unless changed.</summary>
    public string Host { get; init; } = "127.0.0.1";

    public SandboxEnvironment Environment { get; init; } = SandboxEnvironment.NonProduction;

    /// <summary>Lifetime of access tokens from the token endpoint (Epic: about an hour).</summary>
    public TimeSpan AccessTokenLifetime { get; init; } = TimeSpan.FromHours(1);

    /// <summary>Lifetime of the hook <c>fhirAuthorization</c> token (Epic: 300 s).</summary>
    public TimeSpan HookAccessTokenLifetime { get; init; } = TimeSpan.FromSeconds(300);

    /// <summary>How long a SMART launch token (EHR launch) may wait for the app's authorize request.</summary>
    public TimeSpan LaunchTokenLifetime { get; init; } = TimeSpan.FromMinutes(5);

    /// <summary>How long an authorization code may wait for its exchange (it is single-use as well).</summary>
    public TimeSpan AuthorizationCodeLifetime { get; init; } = TimeSpan.FromSeconds(60);

    /// <summary>Epic's own page size: no page is larger unless <see cref="CountMode"/> is Ignore.</summary>
    public int MaxPageSize { get; init; } = 10;

    public CountMode CountMode { get; init; } = CountMode.Ceiling;

    /// <summary>Largest <c>exp</c> a client assertion may carry, from now (SMART: 5 minutes).</summary>
    public TimeSpan MaxAssertionLifetime { get; init; } = TimeSpan.FromMinutes(5);

    /// <summary>Clock skew tolerated on assertion exp/nbf.</summary>
    public TimeSpan ClockSkew { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>Folder holding <c>synthea-r4/</c> and <c>epic-sandbox/</c>. Null = the <c>data/</c> folder beside the
    /// sandbox's assembly (the build copies infra/epic-sandbox/data there). Relative paths resolve against the working folder.</summary>
    public string? DataDirectory { get; init; }

    /// <summary>Seed the Synthea patients (hundreds of resources). The fixture set is always seeded.</summary>
    public bool SeedSynthea { get; init; } = true;

    /// <summary>Resource types served without <c>meta.lastUpdated</c> (docs/epic-behaviours.md item 22: it may be missing).</summary>
    public IReadOnlySet<string> TypesWithoutLastUpdated { get; init; } =
        new HashSet<string>(StringComparer.Ordinal) { "AllergyIntolerance", "Condition", "MedicationRequest", "Encounter", "Immunization" };

    /// <summary>Epic instance OID part used in OperationOutcome systems: urn:oid:1.2.840.114350.1.13.{this}.7.2.657369.</summary>
    public string InstanceOid { get; init; } = "0.1";

    /// <summary>Search parameters this "site" does not support, per resource type (docs/epic-behaviours.md item 20: support varies by site).
    /// They disappear from the CapabilityStatement and are ignored with a 4122 warning, so a search using them returns more than asked.</summary>
    public IReadOnlyDictionary<string, string[]> UnsupportedSearchParameters { get; init; } = new Dictionary<string, string[]>();

    /// <summary>How many request/write records each inspection list keeps (oldest dropped first), so long runs and benchmarks stay bounded.</summary>
    public int MaxRecords { get; init; } = 100_000;

    /// <summary>Log to the console (the command turns it on; tests keep it off).</summary>
    public bool ConsoleLogging { get; init; }

    /// <summary>Minimum time between two bulk exports of the same Group by the same client (Epic throttles).</summary>
    public TimeSpan ExportThrottle { get; init; } = TimeSpan.FromSeconds(5);

    /// <summary>Whether export files are served with byte ranges (Accept-Ranges: bytes, 206). Off by default: a client must not count on it.</summary>
    public bool ExportFileRanges { get; init; }

    /// <summary>How many status polls answer 202 (with Retry-After and X-Progress) before the manifest is ready.</summary>
    public int ExportPollsBeforeReady { get; init; } = 1;
}
