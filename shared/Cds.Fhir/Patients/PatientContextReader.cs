using System.Globalization;
using Cds.Contracts;
using Cds.Fhir.Search;
using Hl7.Fhir.Model;
using Hl7.Fhir.Utility;
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

/// <summary>LOINC codes per analyte the rules use; the latest result of each analyte goes into <see cref="PatientContext.Labs"/>.</summary>
public static class LabPanels
{
    public static readonly IReadOnlyDictionary<string, IReadOnlyList<string>> Loinc = new Dictionary<string, IReadOnlyList<string>>(StringComparer.Ordinal)
    {
        // eGFR: MDRD, CKD-EPI (2009 and race-free 2021) and the generic codes labs report under.
        ["egfr"] = ["33914-3", "48642-3", "48643-1", "62238-1", "69405-9", "98979-8", "88293-6", "88294-4", "50044-7", "77147-7"],
        ["hba1c"] = ["4548-4", "17856-6", "4549-2", "59261-8", "41995-2"],
        ["potassium"] = ["2823-3", "6298-4", "77142-8", "39789-3"],
        ["creatinine"] = ["2160-0", "38483-4", "14682-9", "59826-8"],
    };

    /// <summary>The analyte a LOINC code belongs to, or null.</summary>
    public static string? AnalyteOf(string code) => Loinc.FirstOrDefault(kv => kv.Value.Contains(code)).Key;
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
            BirthDate = ParseDate(patient.Result.Value?.BirthDate),
            ActiveMedications = medications.Result.Value ?? [],
            Allergies = (allergies.Result.Value ?? []).Where(IsCurrent).Select(MapAllergy).ToList(),
            Conditions = (conditions.Result.Value ?? []).Where(IsActive).Select(MapCondition).ToList(),
            Labs = LatestLabs(labs.Result.Value ?? []),
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

        var included = result.Included.OfType<Medication>().Where(m => !string.IsNullOrEmpty(m.Id)).GroupBy(m => m.Id!).ToDictionary(g => g.Key, g => g.First());
        var entries = new List<MedicationEntry>();
        var medicationCache = new Dictionary<string, Medication?>(StringComparer.Ordinal);
        var unresolved = false;
        foreach (var request in result.Resources.Where(IsActive))
        {
            IReadOnlyList<ClinicalCode> codes = [];
            string? text = null;
            switch (request.Medication)
            {
                case CodeableConcept concept:
                    codes = Codes(concept);
                    text = Text(concept);
                    break;
                case ResourceReference reference:
                    text = reference.Display;
                    var medication = await ResolveMedicationAsync(client, request, reference, included, medicationCache, ct).ConfigureAwait(false);
                    if (medication?.Code is { } code)
                    {
                        codes = Codes(code);
                        text ??= Text(code);
                    }
                    else
                    {
                        unresolved = true;
                    }

                    break;
            }

            entries.Add(new MedicationEntry(request.Id, codes, Literal(request.Status), ParseDateTime(request.AuthoredOn), text));
        }

        if (unresolved)
        {
            gaps.Add("medications: some medicationReference entries could not be resolved to coded Medication resources");
        }

        return entries;
    }

    private static async Task<Medication?> ResolveMedicationAsync(EpicFhirClient client, MedicationRequest request, ResourceReference reference,
        Dictionary<string, Medication> included, Dictionary<string, Medication?> cache, CancellationToken ct)
    {
        var r = reference.Reference;
        if (string.IsNullOrEmpty(r))
        {
            return null;
        }

        if (r.StartsWith('#'))
        {
            return request.Contained?.OfType<Medication>().FirstOrDefault(m => m.Id == r[1..]);
        }

        var segments = r.Split('?')[0].Split('/', StringSplitOptions.RemoveEmptyEntries);
        var i = Array.LastIndexOf(segments, "Medication");
        if (i < 0 || i + 1 >= segments.Length)
        {
            return null;
        }

        var id = segments[i + 1];
        if (included.TryGetValue(id, out var found))
        {
            return found;
        }

        if (!cache.TryGetValue(id, out var medication))
        {
            try
            {
                medication = await client.ReadAsync<Medication>(id, ct).ConfigureAwait(false);
            }
            catch (EpicNotAuthorizedForServiceException)
            {
                medication = null;
            }
            catch (ArgumentException)
            {
                medication = null;
            }

            cache[id] = medication;
        }

        return medication;
    }

    private static bool IsActive(MedicationRequest r) => r.Status is null or MedicationRequest.MedicationrequestStatus.Active;

    private static bool IsCurrent(AllergyIntolerance a)
    {
        var clinical = StatusCode(a.ClinicalStatus);
        var verification = StatusCode(a.VerificationStatus);
        return clinical is not ("inactive" or "resolved") && verification is not ("entered-in-error" or "refuted");
    }

    private static bool IsActive(Condition c)
    {
        var clinical = StatusCode(c.ClinicalStatus);
        var verification = StatusCode(c.VerificationStatus);
        return clinical is not ("inactive" or "resolved" or "remission") && verification is not ("entered-in-error" or "refuted");
    }

    private static AllergyEntry MapAllergy(AllergyIntolerance a) =>
        new(a.Id, Codes(a.Code), StatusCode(a.ClinicalStatus), Literal(a.Criticality), Text(a.Code));

    private static ConditionEntry MapCondition(Condition c)
    {
        var onset = c.Onset switch
        {
            FhirDateTime dt => ParseDateTime(dt.Value),
            Period p => ParseDateTime(p.Start),
            _ => null,
        };
        return new ConditionEntry(c.Id, Codes(c.Code), StatusCode(c.ClinicalStatus), onset, Text(c.Code));
    }

    private static List<LabResult> LatestLabs(IReadOnlyList<Observation> observations)
    {
        var latest = new Dictionary<string, (Observation Obs, DateTimeOffset? Effective)>(StringComparer.Ordinal);
        foreach (var o in observations)
        {
            if (o.Status is ObservationStatus.EnteredInError or ObservationStatus.Cancelled)
            {
                continue;
            }

            var analyte = o.Code?.Coding?.Where(c => c?.System == CodeSystems.Loinc && c.Code is not null)
                .Select(c => LabPanels.AnalyteOf(c.Code!)).FirstOrDefault(a => a is not null);
            if (analyte is null)
            {
                continue;
            }

            var effective = o.Effective switch
            {
                FhirDateTime dt => ParseDateTime(dt.Value),
                Period p => ParseDateTime(p.Start),
                Instant i => i.Value,
                _ => null,
            } ?? ParseDateTime(o.Issued?.ToString("o", CultureInfo.InvariantCulture));

            if (!latest.TryGetValue(analyte, out var best) || (effective ?? DateTimeOffset.MinValue) > (best.Effective ?? DateTimeOffset.MinValue))
            {
                latest[analyte] = (o, effective);
            }
        }

        return LabPanels.Loinc.Keys.Where(latest.ContainsKey).Select(k =>
        {
            var (o, effective) = latest[k];
            var (value, unit) = Value(o.Value);
            return new LabResult(o.Id, Codes(o.Code), value, unit, effective, Literal(o.Status));
        }).ToList();
    }

    private static (decimal? Value, string? Unit) Value(DataType? value) => value switch
    {
        Quantity q => (q.Value, q.Unit ?? q.Code),
        FhirString s => (ParseNumber(s.Value), null),
        Integer i => (i.Value, null),
        FhirDecimal d => (d.Value, null),
        _ => (null, null),
    };

    /// <summary>"&gt;60", "&lt; 0.5", "10.2 %" → the number; comparators are dropped (the rules compare against thresholds).</summary>
    internal static decimal? ParseNumber(string? text)
    {
        if (string.IsNullOrWhiteSpace(text))
        {
            return null;
        }

        var trimmed = text.Trim().TrimStart('<', '>', '=', '≤', '≥', ' ');
        var number = new string(trimmed.TakeWhile(ch => char.IsDigit(ch) || ch is '.' or '-').ToArray());
        return decimal.TryParse(number, NumberStyles.Number, CultureInfo.InvariantCulture, out var v) ? v : null;
    }

    private static List<ClinicalCode> Codes(CodeableConcept? concept) =>
        concept?.Coding?.Where(c => c is not null && !string.IsNullOrWhiteSpace(c.System) && !string.IsNullOrWhiteSpace(c.Code))
            .Select(c => new ClinicalCode(c.System!, c.Code!, string.IsNullOrWhiteSpace(c.Display) ? null : c.Display)).ToList() ?? [];

    private static string? Text(CodeableConcept? concept) =>
        !string.IsNullOrWhiteSpace(concept?.Text) ? concept.Text : concept?.Coding?.Select(c => c?.Display).FirstOrDefault(d => !string.IsNullOrWhiteSpace(d));

    private static string? StatusCode(CodeableConcept? concept) =>
        concept?.Coding?.Select(c => c?.Code).FirstOrDefault(c => !string.IsNullOrWhiteSpace(c));

    private static string? Literal<TEnum>(TEnum? value) where TEnum : struct, Enum => value is { } v ? v.GetLiteral() : null;

    internal static DateOnly? ParseDate(string? text) =>
        ParseDateTime(text) is { } dto ? DateOnly.FromDateTime(dto.UtcDateTime) : null;

    /// <summary>FHIR date/dateTime with partial precision ("2024", "2024-05", "2024-05-01", full instants); null when unreadable.</summary>
    internal static DateTimeOffset? ParseDateTime(string? text)
    {
        if (string.IsNullOrWhiteSpace(text))
        {
            return null;
        }

        string[] formats = ["yyyy", "yyyy-MM", "yyyy-MM-dd"];
        if (DateTimeOffset.TryParseExact(text, formats, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var partial))
        {
            return partial;
        }

        return DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var full) ? full : null;
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
