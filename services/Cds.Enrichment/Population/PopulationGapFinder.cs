using System.Runtime.CompilerServices;
using System.Text;
using System.Text.Json;
using Cds.Contracts;
using Cds.Rules;
using Cds.EventStore.Bulk;
using Cds.Fhir.Patients;
using Hl7.Fhir.Model;
using Hl7.Fhir.Serialization;
using Npgsql;

namespace Cds.Enrichment.Population;

/// <summary>
/// Runs the patient-view rules (<see cref="RuleEngine.Evaluate"/>, the same pure functions the hooks use) over every
/// patient of a tenant's imported Group export (<c>bulk_resources</c>): each patient's resources are mapped into the
/// same <see cref="PatientContext"/> the hook path builds (<see cref="PatientContextMapper"/>). Resource types the export
/// did not carry are context gaps, so a rule that needs them stays silent rather than claim an absence.
/// </summary>
public sealed class PopulationGapFinder(string connectionString, string schema, RuleSet rules)
{
    private static readonly BaseFhirJsonDeserializer Deserializer =
        new(ModelInfo.ModelInspector, new DeserializerSettings().UsingMode(DeserializationMode.Recoverable));

    /// <summary>The rules that run per patient (patient-view).</summary>
    public IReadOnlyList<string> RuleIds => [.. rules.RulesFor(PatientViewHook).Select(r => r.Id)];

    private const string PatientViewHook = "patient-view";

    /// <summary>Every patient of the imported cohort with what every patient-level rule found (one patient's resources in memory at a time).</summary>
    public async IAsyncEnumerable<PatientFindings> FindByPatientAsync(string tenant, DateTimeOffset now, [EnumeratorCancellation] CancellationToken ct)
    {
        var table = $"\"{schema}\".{BulkExportStore.ResourcesTable}";
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync(ct).ConfigureAwait(false);
        var exported = new HashSet<string>(StringComparer.Ordinal);
        await using (var types = new NpgsqlCommand($"SELECT DISTINCT resource_type FROM {table} WHERE tenant = @tenant", connection))
        {
            types.Parameters.AddWithValue("tenant", tenant);
            await using var reader = await types.ExecuteReaderAsync(ct).ConfigureAwait(false);
            while (await reader.ReadAsync(ct).ConfigureAwait(false))
            {
                exported.Add(reader.GetString(0));
            }
        }

        var gaps = ContextGaps(exported);
        await using var command = new NpgsqlCommand($"""
            SELECT DISTINCT ON (patient_id, resource_type, id) patient_id, resource::text FROM {table}
            WHERE tenant = @tenant AND patient_id IS NOT NULL ORDER BY patient_id, resource_type, id
            """, connection);
        command.Parameters.AddWithValue("tenant", tenant);
        await using var rows = await command.ExecuteReaderAsync(ct).ConfigureAwait(false);
        string? current = null;
        var resources = new List<Resource>();
        while (true)
        {
            var more = await rows.ReadAsync(ct).ConfigureAwait(false);
            var patient = more ? rows.GetString(0) : null;
            if (current is not null && patient != current)
            {
                yield return new PatientFindings(current, [.. Evaluate(tenant, current, resources, gaps, now)]);

                resources.Clear();
            }

            if (!more)
            {
                yield break;
            }

            current = patient;
            if (Parse(rows.GetString(1)) is { } resource)
            {
                resources.Add(resource);
            }
        }
    }

    private IEnumerable<PopulationGap> Evaluate(string tenant, string patientId, List<Resource> resources, IReadOnlyList<string> gaps, DateTimeOffset now)
    {
        var medications = PatientContextMapper.Medications(resources.OfType<MedicationRequest>().Where(PatientContextMapper.IsActive),
            resources.OfType<Medication>(), out var unresolved);
        var context = new PatientContext
        {
            PatientId = patientId,
            AsOf = now,
            BirthDate = PatientContextMapper.BirthDate(resources.OfType<Patient>().FirstOrDefault()),
            ActiveMedications = medications,
            Allergies = PatientContextMapper.Allergies(resources.OfType<AllergyIntolerance>()),
            Conditions = PatientContextMapper.Conditions(resources.OfType<Condition>()),
            Labs = PatientContextMapper.LatestLabs(resources.OfType<Observation>()),
            Gaps = unresolved && !gaps.Contains(ContextFacts.Medications) ? [.. gaps, ContextFacts.Medications] : gaps,
        };
        var input = new RuleInput { Hook = PatientViewHook, Context = context, Now = now, CardSeed = $"population:{tenant}:{patientId}" };
        foreach (var outcome in RuleEngine.Evaluate(rules, input))
        {
            var finding = outcome.Finding;
            yield return new PopulationGap(patientId, finding.RuleId, finding.RuleVersion, Value(finding.Evidence, "gap") ?? finding.Indicator,
                Value(finding.Evidence, "effective"), finding.Evidence, outcome.Card, finding);
        }
    }

    /// <summary>The parts of a patient's context the export did not carry (the rules treat them as unknown, not as none).</summary>
    private static IReadOnlyList<string> ContextGaps(HashSet<string> exported)
    {
        var gaps = new List<string>();
        if (!exported.Contains("Condition"))
        {
            gaps.Add(ContextFacts.Conditions);
        }

        if (!exported.Contains("Observation"))
        {
            gaps.Add(ContextFacts.Labs);
        }

        if (!exported.Contains("AllergyIntolerance"))
        {
            gaps.Add(ContextFacts.Allergies);
        }

        if (!exported.Contains("MedicationRequest"))
        {
            gaps.Add(ContextFacts.Medications);
        }

        return gaps;
    }

    private static string? Value(IReadOnlyList<string> evidence, string key) =>
        evidence.FirstOrDefault(e => e.StartsWith(key + "=", StringComparison.Ordinal))?[(key.Length + 1)..];

    private static Resource? Parse(string json)
    {
        var reader = new Utf8JsonReader(Encoding.UTF8.GetBytes(json));
        // Recoverable: a resource with an element the model does not know still maps (as the hook path reads Epic leniently).
        Deserializer.TryDeserializeResource(ref reader, out var resource, out _);
        return resource;
    }
}
