namespace Cds.Fhir;

/// <summary>Epic's names for its Incoming APIs, used in registration hints.</summary>
public static class EpicApiNames
{
    public static string RegistrationHint(string resource, FhirInteraction interaction)
    {
        var (api, letter) = interaction switch
        {
            FhirInteraction.Read => ("Read", "r"),
            FhirInteraction.Search => ("Search", "s"),
            FhirInteraction.Create => ("Create", "c"),
            _ => ("Read", "r"),
        };
        var variants = (resource, interaction) switch
        {
            ("Observation", FhirInteraction.Search) => " (Epic splits it by category, e.g. 'Observation.Search (Labs) (R4)', 'Observation.Search (Vital Signs) (R4)')",
            ("DocumentReference", FhirInteraction.Create) => " (e.g. 'DocumentReference.Create (Clinical Notes) (R4)')",
            ("Condition", FhirInteraction.Search) => " (e.g. 'Condition.Search (Problems) (R4)')",
            _ => "",
        };
        return $"register the Incoming API '{resource}.{api} (R4)'{variants} on the app and grant scope system/{resource}.{letter} " +
               "('.read' and '.search' are separate APIs)";
    }
}
