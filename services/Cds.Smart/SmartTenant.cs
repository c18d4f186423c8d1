using Cds.Tenants;

namespace Cds.Smart;

/// <summary>A tenant the app serves: its FHIR base (the only <c>iss</c> it accepts) and its SMART app registration.</summary>
public sealed record SmartTenant(string Id, Uri FhirBase, SmartAppRegistration App, string? ClientSecret);
