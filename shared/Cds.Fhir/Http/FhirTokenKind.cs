namespace Cds.Fhir.Http;

/// <summary>Whose token a FHIR call carries: the platform's SMART backend token or the hook's <c>fhirAuthorization</c>.</summary>
public enum FhirTokenKind
{
    Backend,
    Hook,
}
