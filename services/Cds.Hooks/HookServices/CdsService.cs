namespace Cds.Hooks.HookServices;

/// <summary>
/// A CDS service as discovery lists it. Prefetch templates use CDS Hooks 2.0 tokens only. Epic never reads discovery
/// (its analysts configure prefetch by hand, docs/epic-behaviours.md item 7), so every key is optional at run time.
/// </summary>
public sealed record CdsService(
    string Id,
    string Hook,
    string Title,
    string Description,
    IReadOnlyDictionary<string, string> Prefetch,
    string UsageRequirements);

/// <summary>The services this host offers, by id. One file per service declares it next to its prefetch.</summary>
public sealed class CdsServiceCatalog(IEnumerable<CdsService> services)
{
    private readonly Dictionary<string, CdsService> _byId = services.ToDictionary(s => s.Id, StringComparer.Ordinal);

    public IReadOnlyCollection<CdsService> All => _byId.Values;

    public CdsService? Find(string id) => _byId.GetValueOrDefault(id);
}

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

public static class HookServiceIds
{
    public const string PatientView = "cds-patient-view";
    public const string OrderSelect = "cds-order-select";
    public const string OrderSign = "cds-order-sign";

    public static readonly IReadOnlyList<CdsService> All =
    [
        PatientViewService.Definition,
        OrderSelectService.Definition,
        OrderSignService.Definition,
    ];
}
