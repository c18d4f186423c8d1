namespace Cds.EpicSandbox;

public enum FhirInteraction
{
    Read,
    Search,
    Create,
    Update,
    Export,
}
