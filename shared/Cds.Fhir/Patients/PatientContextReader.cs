using Cds.Contracts;
using Hl7.Fhir.Model;
using Microsoft.Extensions.Logging;
using Tasks = System.Threading.Tasks;

namespace Cds.Fhir.Patients;

/// <summary>What an enrichment consumer asks: the rules' view of a patient, read from the tenant's Epic.</summary>
public interface IPatientContextReader
{
    /// <summary>
    /// Active medications, allergies, active conditions and the latest eGFR, HbA1c, potassium and creatinine of
    /// <paramref name="patientId"/> at <paramref name="tenant"/>. A part Epic will not give (403, refused search, cut
    /// result) is named in <see cref="PatientContext.Gaps"/>; token, configuration and transport failures throw.
    /// </summary>
    Task<PatientContext> GetPatientContextAsync(string tenant, string patientId, CancellationToken ct);
}

internal sealed class PatientContextReader : IPatientContextReader
{
    private readonly IEpicFhirClientFactory _clients;
    private readonly TimeProvider _clock;
    private readonly ILogger<PatientContextReader> _logger;

    public PatientContextReader(IEpicFhirClientFactory clients, TimeProvider clock, ILogger<PatientContextReader> logger)
    {
        _clients = clients;
        _clock = clock;
        _logger = logger;
    }

    public async Task<PatientContext> GetPatientContextAsync(string tenant, string patientId, CancellationToken ct)
    {
        var client = _clients.ForTenant(tenant);
        var gaps = new Gaps();
        var patient = Part(gaps, "patient", () => client.ReadAsync<Patient>(patientId, ct));
        var medications = Part(gaps, "medications", () => MedicationsAsync(client, patientId, gaps, ct));
        var allergies = Part(gaps, "allergies", () => SearchAsync<AllergyIntolerance>(client, gaps, "allergies", ct, ("patient", patientId)));
        var conditions = Part(gaps, "conditions", () => SearchAsync<Condition>(client, gaps, "conditions", ct, ("patient", patientId)));
        var codes = string.Join(',', LabPanels.Loinc.Values.SelectMany(v => v).Select(c => $"{CodeSystems.Loinc}|{c}"));
        var labs = Part(gaps, "labs", () => SearchAsync<Observation>(client, gaps, "labs", ct, ("patient", patientId), ("code", codes)));

        await Tasks.Task.WhenAll(patient, medications, allergies, conditions, labs).ConfigureAwait(false);

        if (patient.Result.Found && patient.Result.Value is null)
        {
            throw new EpicFhirCallException(tenant, "Patient", FhirInteraction.Read, 404, "the patient does not exist at this tenant");
        }

        var context = new PatientContext
        {
            PatientId = patientId,
            AsOf = _clock.GetUtcNow(),
            BirthDate = PatientContextMapper.BirthDate(patient.Result.Value),
            ActiveMedications = medications.Result.Value ?? [],
            Allergies = PatientContextMapper.Allergies(allergies.Result.Value ?? []),
            Conditions = PatientContextMapper.Conditions(conditions.Result.Value ?? []),
            Labs = PatientContextMapper.LatestLabs(labs.Result.Value ?? []),
            Gaps = gaps.ToList(),
        };
        if (context.Gaps.Count > 0)
        {
            _logger.LogWarning("Patient context for tenant {Tenant} has gaps: {Gaps}", tenant, string.Join("; ", context.Gaps));
        }

        return context;
    }

    /// <summary>Runs one part; a 403 or a refused search becomes a gap (Found = false) instead of failing the whole answer.</summary>
    private static async Task<(bool Found, T? Value)> Part<T>(Gaps gaps, string name, Func<Task<T?>> read) where T : class
    {
        try
        {
            return (true, await read().ConfigureAwait(false));
        }
        catch (EpicNotAuthorizedForServiceException ex)
        {
            gaps.Add($"{name}: not authorized for {ex.Resource} {ex.Interaction.ToString().ToLowerInvariant()} ({ex.RegistrationHint})");
            return (false, null);
        }
        catch (EpicSearchRejectedException ex)
        {
            gaps.Add($"{name}: {ex.Resource} search rejected: {ex.Reason}");
            return (false, null);
        }
    }

    private static async Task<IReadOnlyList<T>?> SearchAsync<T>(EpicFhirClient client, Gaps gaps, string name, CancellationToken ct,
        params (string Name, string Value)[] parameters) where T : Resource
    {
        var result = await client.SearchAsync<T>(parameters.Select(p => new KeyValuePair<string, string>(p.Name, p.Value)), ct).ConfigureAwait(false);
        if (result.Truncated)
        {
            gaps.Add($"{name}: result cut by {result.TruncationReason} after {result.Pages} page(s); later entries are missing");
        }

        return result.Resources;
    }

    private static async Task<IReadOnlyList<MedicationEntry>?> MedicationsAsync(EpicFhirClient client, string patientId, Gaps gaps, CancellationToken ct)
    {
        var parameters = new List<KeyValuePair<string, string>> { new("patient", patientId) };
        // status is 1..1 on MedicationRequest, so filtering at Epic loses nothing and saves pages of history.
        var supported = await client.GetSupportedSearchParametersAsync("MedicationRequest", ct).ConfigureAwait(false);
        if (supported?.Contains("status") == true)
        {
            parameters.Add(new("status", "active"));
        }

        var result = await client.SearchAsync<MedicationRequest>(parameters, ct).ConfigureAwait(false);
        if (result.Truncated)
        {
            gaps.Add($"medications: result cut by {result.TruncationReason} after {result.Pages} page(s); later entries are missing");
        }

        // Referenced Medications come from _include when the site honours it, otherwise one read each (cached per call).
        var medications = result.Included.OfType<Medication>().Where(m => !string.IsNullOrEmpty(m.Id)).ToList();
        var known = medications.Select(m => m.Id!).ToHashSet(StringComparer.Ordinal);
        var toRead = result.Resources.Where(PatientContextMapper.IsActive)
            .Select(r => r.Medication as ResourceReference).OfType<ResourceReference>()
            .Select(PatientContextMapper.MedicationId).OfType<string>()
            .Where(id => !known.Contains(id)).Distinct(StringComparer.Ordinal).ToList();
        foreach (var id in toRead)
        {
            if (await ReadMedicationAsync(client, id, ct).ConfigureAwait(false) is { } read)
            {
                medications.Add(read);
            }
        }

        var entries = PatientContextMapper.Medications(result.Resources, medications, out var unresolved);
        if (unresolved)
        {
            gaps.Add("medications: some medicationReference entries could not be resolved to coded Medication resources");
        }

        return entries;
    }

    private static async Task<Medication?> ReadMedicationAsync(EpicFhirClient client, string id, CancellationToken ct)
    {
        try
        {
            return await client.ReadAsync<Medication>(id, ct).ConfigureAwait(false);
        }
        catch (EpicNotAuthorizedForServiceException)
        {
            return null;
        }
        catch (ArgumentException)
        {
            return null;
        }
    }

    private sealed class Gaps
    {
        private readonly List<string> _items = [];

        public void Add(string gap)
        {
            lock (_items)
            {
                _items.Add(gap);
            }
        }

        public List<string> ToList()
        {
            lock (_items)
            {
                return [.. _items];
            }
        }
    }
}
