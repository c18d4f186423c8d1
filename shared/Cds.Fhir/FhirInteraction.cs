namespace Cds.Fhir;

public enum FhirInteraction
{
    Read,
    Search,
    Create,
    Capabilities,
    Other,
}
