namespace Cds.EpicSandbox;

/// <summary>The clients pre-registered in every sandbox.</summary>
public static class SandboxClients
{
    /// <summary>Our platform's SMART Backend Services client: the id Epic issues for non-production.</summary>
    public const string NonProdClientId = "3f9a1c2e-5b7d-4e8a-9c61-2d4f8b0a7e13";

    /// <summary>The same client's production id (accepted only by a sandbox started with Environment = Production).</summary>
    public const string ProdClientId = "b82e6d10-94c3-4f5a-a7e2-6c19d3f0b854";

    /// <summary>kid of the backend client's RS384 key in its registered JWKS.</summary>
    public const string KeyId = "cds-backend-rs384-1";

    /// <summary>kid of the backend client's ES384 key (also registered).</summary>
    public const string Es384KeyId = "cds-backend-es384-1";

    /// <summary>Our CDS Hooks client id: the `sub` of Epic's hook JWTs and the `subject` of fhirAuthorization.</summary>
    public const string CdsHooksClientId = "c4d5e6f7-1a2b-4c3d-8e9f-0a1b2c3d4e5f";

    /// <summary>Absolute path of the backend client's RS384 private key (PKCS#8 PEM, test-only).</summary>
    public static string PrivateKeyPemPath => SandboxKeys.PathOf(SandboxKeys.BackendRs384PrivateFile);

    /// <summary>Absolute path of the backend client's ES384 private key (PKCS#8 PEM, test-only).</summary>
    public static string Es384PrivateKeyPemPath => SandboxKeys.PathOf(SandboxKeys.BackendEs384PrivateFile);

    /// <summary>Name the platform client is registered under in <see cref="ClientRegistry"/>.</summary>
    public const string PlatformClientName = "cds-platform";

    public const string CdsHooksClientName = "cds-hooks";

    /// <summary>The SMART app behind the cards, registered as a public client (PKCE S256, no secret).</summary>
    public const string SmartAppClientId = "5e8b2d4f-7a13-4c6e-9f02-b1d3e5a7c9f1";

    /// <summary>The same app registered as a confidential client (PKCE and a client secret sent with HTTP Basic).</summary>
    public const string SmartAppConfidentialClientId = "6f9c3e50-8b24-4d7f-a013-c2e4f6b8d0a2";

    /// <summary>Test-only secret of <see cref="SmartAppConfidentialClientId"/>.</summary>
    public const string SmartAppClientSecret = "sandbox-smart-app-secret-not-for-production";

    public const string SmartAppClientName = "cds-smart-app";

    public const string SmartAppConfidentialClientName = "cds-smart-app-confidential";

    /// <summary>Where the app listens locally (infra/run.sh): registered on both SMART clients.</summary>
    public const string SmartAppDefaultRedirectUri = "http://127.0.0.1:5083/smart/callback";

    /// <summary>The simulated clinician's sign-in on the standalone login page.</summary>
    public const string SandboxUser = "clinician";

    public const string SandboxPassword = "sandbox";

    /// <summary>What the SMART app may read for the launch's patient (Epic: the app's Incoming APIs): the CDS client's reads.</summary>
    public static IReadOnlyList<EpicApi> DefaultSmartAppApis => DefaultCdsHooksApis;

    /// <summary>Incoming APIs registered for the platform client by default. Deliberately NOT registered:
    /// Immunization, Procedure, CarePlan (any interaction), Condition.Create, MedicationRequest.Create,
    /// so a 403 "not authorized for this service" can be met without changing the registry.</summary>
    public static IReadOnlyList<EpicApi> DefaultPlatformApis { get; } =
    [
        new("Patient", FhirInteraction.Read), new("Patient", FhirInteraction.Search),
        new("Observation", FhirInteraction.Read), new("Observation", FhirInteraction.Search), new("Observation", FhirInteraction.Create),
        new("Condition", FhirInteraction.Read), new("Condition", FhirInteraction.Search),
        new("MedicationRequest", FhirInteraction.Read), new("MedicationRequest", FhirInteraction.Search),
        new("Medication", FhirInteraction.Read), new("Medication", FhirInteraction.Search),
        new("AllergyIntolerance", FhirInteraction.Read), new("AllergyIntolerance", FhirInteraction.Search),
        new("Encounter", FhirInteraction.Read), new("Encounter", FhirInteraction.Search),
        new("Practitioner", FhirInteraction.Read), new("PractitionerRole", FhirInteraction.Read),
        new("Organization", FhirInteraction.Read),
        new("DocumentReference", FhirInteraction.Read), new("DocumentReference", FhirInteraction.Search), new("DocumentReference", FhirInteraction.Create),
        new("DiagnosticReport", FhirInteraction.Read), new("DiagnosticReport", FhirInteraction.Search),
        new("Group", FhirInteraction.Read), new("Group", FhirInteraction.Export),
    ];

    /// <summary>APIs behind the hook fhirAuthorization token (what the CDS client is registered for in Epic).</summary>
    public static IReadOnlyList<EpicApi> DefaultCdsHooksApis { get; } =
    [
        new("Patient", FhirInteraction.Read), new("Patient", FhirInteraction.Search),
        new("Observation", FhirInteraction.Read), new("Observation", FhirInteraction.Search),
        new("Condition", FhirInteraction.Read), new("Condition", FhirInteraction.Search),
        new("MedicationRequest", FhirInteraction.Read), new("MedicationRequest", FhirInteraction.Search),
        new("Medication", FhirInteraction.Read),
        new("AllergyIntolerance", FhirInteraction.Read), new("AllergyIntolerance", FhirInteraction.Search),
        new("Encounter", FhirInteraction.Read), new("Practitioner", FhirInteraction.Read), new("PractitionerRole", FhirInteraction.Read),
    ];
}
