using Hl7.Fhir.Model;

namespace Cds.EpicSandbox;

/// <summary>The fields search, create and export read from a resource of any supported type: its patient, identifiers, category,
/// code, clinical status and status.</summary>
internal static class ResourceFields
{
    public static string? LastSegment(string? reference)
    {
        if (string.IsNullOrEmpty(reference))
        {
            return null;
        }

        var slash = reference.LastIndexOf('/');
        return slash >= 0 ? reference[(slash + 1)..] : reference;
    }

    public static string? PatientIdOf(Resource r)
    {
        var reference = r switch
        {
            Patient p => "Patient/" + p.Id,
            Observation o => o.Subject?.Reference,
            Condition c => c.Subject?.Reference,
            MedicationRequest m => m.Subject?.Reference,
            AllergyIntolerance a => a.Patient?.Reference,
            Encounter e => e.Subject?.Reference,
            DocumentReference d => d.Subject?.Reference,
            DiagnosticReport d => d.Subject?.Reference,
            Immunization i => i.Patient?.Reference,
            Procedure p => p.Subject?.Reference,
            CarePlan c => c.Subject?.Reference,
            CareTeam c => c.Subject?.Reference,
            MedicationStatement m => m.Subject?.Reference,
            _ => null,
        };
        return reference is not null && reference.Contains("Patient/", StringComparison.Ordinal) ? LastSegment(reference) : null;
    }

    public static IEnumerable<Identifier> IdentifiersOf(Resource r) => r switch
    {
        Patient p => p.Identifier,
        Observation o => o.Identifier,
        Condition c => c.Identifier,
        MedicationRequest m => m.Identifier,
        AllergyIntolerance a => a.Identifier,
        Encounter e => e.Identifier,
        DocumentReference d => d.Identifier.Concat(d.MasterIdentifier is { } mi ? [mi] : []),
        DiagnosticReport d => d.Identifier,
        Medication m => m.Identifier,
        Practitioner p => p.Identifier,
        Organization o => o.Identifier,
        _ => [],
    };

    public static IEnumerable<CodeableConcept> CategoriesOf(Resource r) => r switch
    {
        Observation o => o.Category,
        Condition c => c.Category,
        DocumentReference d => d.Category,
        DiagnosticReport d => d.Category,
        MedicationRequest m => m.Category,
        _ => [],
    };

    public static CodeableConcept? CodeOf(Resource r) => r switch
    {
        Observation o => o.Code,
        Condition c => c.Code,
        DiagnosticReport d => d.Code,
        Medication m => m.Code,
        _ => null,
    };

    public static CodeableConcept? ClinicalStatusOf(Resource r) => r switch
    {
        Condition c => c.ClinicalStatus,
        AllergyIntolerance a => a.ClinicalStatus,
        _ => null,
    };

    public static string? StatusOf(Resource r) => r switch
    {
        MedicationRequest m => m.StatusElement?.JsonValue as string,
        Encounter e => e.StatusElement?.JsonValue as string,
        _ => null,
    };
}
