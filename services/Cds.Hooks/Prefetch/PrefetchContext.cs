using System.Text.Json;
using Cds.Contracts;
using Cds.EventStore;
using Cds.Hooks.Requests;

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

    private static readonly (string Part, string Type)[] Parts =
    [
        ("medications", "MedicationRequest"),
        ("allergies", "AllergyIntolerance"),
        ("conditions", "Condition"),
        ("labs", "Observation"),
    ];

    public static (PatientContext Context, PrefetchResolved Resolved) Build(string patientId, PrefetchSet provided, PrefetchSet fetched,
        IReadOnlyList<string> failed, IReadOnlyDictionary<string, string> templates, DateTimeOffset now)
    {
        var items = provided.Items.Where(i => i.State != PrefetchState.Missing)
            .Concat(fetched.Items.Where(i => i.State != PrefetchState.Missing))
            .ToList();
        var byType = items.SelectMany(i => i.Data).ToLookup(r => PrefetchFacts.TypeOf(r) ?? "", StringComparer.Ordinal);

        var gaps = new List<string>();
        foreach (var (part, type) in Parts)
        {
            var known = byType.Contains(type)
                || items.Any(i => i.State == PrefetchState.NoData && !i.HasErrorOutcome
                    && templates.TryGetValue(i.Key, out var template) && template.StartsWith(type, StringComparison.Ordinal));
            if (!known)
            {
                gaps.Add($"{part}: {NotInPrefetch}");
            }
        }

        var medications = PrefetchFacts.Medications(byType["MedicationRequest"], byType["Medication"], out var unresolved);
        if (unresolved)
        {
            gaps.Add("medications: some medicationReference entries could not be resolved to coded Medication resources");
        }

        var context = new PatientContext
        {
            PatientId = patientId,
            AsOf = now,
            BirthDate = PrefetchFacts.BirthDate(byType["Patient"].Cast<JsonElement?>().FirstOrDefault(p => p!.Value.TryGetProperty("id", out var id) && id.ValueKind == JsonValueKind.String && id.GetString() == patientId)),
            ActiveMedications = medications,
            Allergies = PrefetchFacts.Allergies(byType["AllergyIntolerance"]),
            Conditions = PrefetchFacts.Conditions(byType["Condition"]),
            Labs = PrefetchFacts.LatestLabs(byType["Observation"]),
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
