namespace Cds.Fhir.Auth;

/// <summary>The parts of <c>.well-known/smart-configuration</c> this client uses.</summary>
public sealed record SmartConfiguration(
    Uri TokenEndpoint,
    IReadOnlyList<string> GrantTypesSupported,
    IReadOnlyList<string> TokenEndpointAuthSigningAlgValuesSupported,
    IReadOnlyList<string> Capabilities);
