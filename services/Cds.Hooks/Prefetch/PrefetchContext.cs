using Cds.Contracts;
using Cds.EventStore;
using Cds.Fhir.Patients;
using Cds.Hooks.Requests;
using Hl7.Fhir.Model;

namespace Cds.Hooks.Prefetch;

/// <summary>
/// From what the request carried (and what was fetched with its token) to the rules' <see cref="PatientContext"/>.
/// Keys are whatever Epic's analysts named them, so data is recognised by resource type, not key name. A part of
/// the chart nobody provided is a gap ("medications: not in prefetch"): the enrichment service fills it with its own
/// backend token; it is never read as "none".
/// </summary>
public static class PrefetchContext
{
    public const string NotInPrefetch = "not in prefetch";

    private static readonly (string Part, Type Type, string TemplatePrefix)[] Parts =
    [
        ("medications", typeof(MedicationRequest), "MedicationRequest"),
        ("allergies", typeof(AllergyIntolerance), "AllergyIntolerance"),
        ("conditions", typeof(Condition), "Condition"),
        ("labs", typeof(Observation), "Observation"),
    ];

    public static (PatientContext Context, PrefetchResolved Resolved) Build(string patientId, PrefetchSet provided, PrefetchSet fetched,
        IReadOnlyList<string> failed, IReadOnlyDictionary<string, string> templates, DateTimeOffset now)
    {
        var items = provided.Items.Where(i => i.State != PrefetchState.Missing)
            .Concat(fetched.Items.Where(i => i.State != PrefetchState.Missing))
            .ToList();
        var resources = items.SelectMany(i => i.Resources).ToList();

        var gaps = new List<string>();
        foreach (var (part, type, prefix) in Parts)
        {
            var known = resources.Any(r => r.GetType() == type)
                || items.Any(i => i.State == PrefetchState.NoData && !i.HasErrorOutcome
                    && templates.TryGetValue(i.Key, out var template) && template.StartsWith(prefix, StringComparison.Ordinal));
            if (!known)
            {
                gaps.Add($"{part}: {NotInPrefetch}");
            }
        }

        var medications = PatientContextMapper.Medications(resources.OfType<MedicationRequest>(), resources.OfType<Medication>(), out var unresolved);
        if (unresolved)
        {
            gaps.Add("medications: some medicationReference entries could not be resolved to coded Medication resources");
        }

        var context = new PatientContext
        {
            PatientId = patientId,
            AsOf = now,
            BirthDate = PatientContextMapper.BirthDate(resources.OfType<Patient>().FirstOrDefault(p => p.Id == patientId)),
            ActiveMedications = medications,
            Allergies = PatientContextMapper.Allergies(resources.OfType<AllergyIntolerance>()),
            Conditions = PatientContextMapper.Conditions(resources.OfType<Condition>()),
            Labs = PatientContextMapper.LatestLabs(resources.OfType<Observation>()),
            Gaps = gaps,
        };

        var resolved = new PrefetchResolved(
            Provided: [.. provided.Items.Where(i => i.State == PrefetchState.Provided).Select(i => i.Key)],
            NoData: [.. provided.Items.Concat(fetched.Items).Where(i => i.State == PrefetchState.NoData).Select(i => i.Key).Distinct()],
            Fetched: [.. fetched.Items.Where(i => i.State != PrefetchState.Missing).Select(i => i.Key)],
            Unavailable: [.. failed]);
        return (context, resolved);
    }
}
