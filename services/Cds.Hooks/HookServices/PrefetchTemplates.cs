namespace Cds.Hooks.HookServices;

internal static class PrefetchTemplates
{
    public const string Patient = "Patient/{{context.patientId}}";
    public const string ActiveMedications = "MedicationRequest?patient={{context.patientId}}&status=active&_include=MedicationRequest:medication";
    public const string Allergies = "AllergyIntolerance?patient={{context.patientId}}";
    public const string Conditions = "Condition?patient={{context.patientId}}&category=problem-list-item";
    /// <summary>Epic refuses Observation searches without patient + category or code (docs/epic-behaviours.md item 20).</summary>
    public const string Labs = "Observation?patient={{context.patientId}}&category=laboratory";

    public static IReadOnlyDictionary<string, string> ClinicalContext(bool includePatient) =>
        new Dictionary<string, string>
        {
            ["medications"] = ActiveMedications,
            ["allergies"] = Allergies,
            ["conditions"] = Conditions,
            ["labs"] = Labs,
        }.Concat(includePatient ? [new("patient", Patient)] : Array.Empty<KeyValuePair<string, string>>())
         .ToDictionary();

    public const string Usage = "Needs the client's FHIR read scopes for Patient, MedicationRequest, AllergyIntolerance, Condition and "
        + "Observation (labs); order hooks need the unsigned-order scopes so that Epic sends draftOrders.";
}
