using System.Globalization;
using Cds.Contracts;
using Hl7.Fhir.Model;
using Hl7.Fhir.Utility;

namespace Cds.Fhir.Patients;

/// <summary>
/// FHIR R4 resources → the rules' records (<see cref="PatientContext"/> parts). Pure; every element may be missing
/// (docs/epic-behaviours.md item 21). Used for what a hook's prefetch carried and for what the backend client read.
/// </summary>
public static class PatientContextMapper
{
    /// <summary>Active (or status-less) medication requests; <c>medicationReference</c> resolved against <paramref name="medications"/>
    /// (by id, <c>Medication/{id}</c>, absolute URL or <c>#contained</c>). <paramref name="unresolved"/>: a reference that did not resolve.</summary>
    public static IReadOnlyList<MedicationEntry> Medications(IEnumerable<MedicationRequest> requests, IEnumerable<Medication> medications, out bool unresolved)
    {
        var byId = medications.Where(m => !string.IsNullOrEmpty(m.Id)).GroupBy(m => m.Id!).ToDictionary(g => g.Key, g => g.First(), StringComparer.Ordinal);
        var entries = new List<MedicationEntry>();
        unresolved = false;
        foreach (var request in requests.Where(IsActive))
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
                    if (Resolve(request, reference, byId) is { Code: { } code })
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
        return entries;
    }

    /// <summary>The id a <c>medicationReference</c> points at (null for contained or unreadable references).</summary>
    public static string? MedicationId(ResourceReference reference)
    {
        var r = reference.Reference;
        if (string.IsNullOrEmpty(r) || r.StartsWith('#'))
        {
            return null;
        }
        var segments = r.Split('?')[0].Split('/', StringSplitOptions.RemoveEmptyEntries);
        var i = Array.LastIndexOf(segments, "Medication");
        return i >= 0 && i + 1 < segments.Length ? segments[i + 1] : null;
    }

    private static Medication? Resolve(MedicationRequest request, ResourceReference reference, IReadOnlyDictionary<string, Medication> byId)
    {
        if (reference.Reference is { } r && r.StartsWith('#'))
        {
            return request.Contained?.OfType<Medication>().FirstOrDefault(m => m.Id == r[1..]);
        }
        return MedicationId(reference) is { } id && byId.TryGetValue(id, out var found) ? found : null;
    }

    public static IReadOnlyList<AllergyEntry> Allergies(IEnumerable<AllergyIntolerance> allergies) =>
        [.. allergies.Where(IsCurrent).Select(a => new AllergyEntry(a.Id, Codes(a.Code), StatusCode(a.ClinicalStatus), Literal(a.Criticality), Text(a.Code)))];

    public static IReadOnlyList<ConditionEntry> Conditions(IEnumerable<Condition> conditions) =>
        [.. conditions.Where(IsActive).Select(c => new ConditionEntry(c.Id, Codes(c.Code), StatusCode(c.ClinicalStatus), c.Onset switch
        {
            FhirDateTime dt => ParseDateTime(dt.Value),
            Period p => ParseDateTime(p.Start),
            _ => null,
        }, Text(c.Code)))];

    /// <summary>The latest result per analyte of <see cref="LabPanels"/> (eGFR, HbA1c, potassium, creatinine).</summary>
    public static IReadOnlyList<LabResult> LatestLabs(IEnumerable<Observation> observations)
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
        return [.. LabPanels.Loinc.Keys.Where(latest.ContainsKey).Select(k =>
        {
            var (o, effective) = latest[k];
            var (value, unit) = Value(o.Value);
            return new LabResult(o.Id, Codes(o.Code), value, unit, effective, Literal(o.Status));
        })];
    }

    public static DateOnly? BirthDate(Patient? patient) => ParseDate(patient?.BirthDate);

    public static bool IsActive(MedicationRequest r) => r.Status is null or MedicationRequest.MedicationrequestStatus.Active;

    private static bool IsCurrent(AllergyIntolerance a) =>
        StatusCode(a.ClinicalStatus) is not ("inactive" or "resolved") && StatusCode(a.VerificationStatus) is not ("entered-in-error" or "refuted");

    private static bool IsActive(Condition c) =>
        StatusCode(c.ClinicalStatus) is not ("inactive" or "resolved" or "remission") && StatusCode(c.VerificationStatus) is not ("entered-in-error" or "refuted");

    private static (decimal? Value, string? Unit) Value(DataType? value) => value switch
    {
        Quantity q => (q.Value, q.Unit ?? q.Code),
        FhirString s => (ParseNumber(s.Value), null),
        Integer i => (i.Value, null),
        FhirDecimal d => (d.Value, null),
        _ => (null, null),
    };

    /// <summary>"&gt;60", "&lt; 0.5", "10.2 %" → the number; comparators are dropped (the rules compare against thresholds).</summary>
    public static decimal? ParseNumber(string? text)
    {
        if (string.IsNullOrWhiteSpace(text))
        {
            return null;
        }
        var trimmed = text.Trim().TrimStart('<', '>', '=', '≤', '≥', ' ');
        var number = new string(trimmed.TakeWhile(ch => char.IsDigit(ch) || ch is '.' or '-').ToArray());
        return decimal.TryParse(number, NumberStyles.Number, CultureInfo.InvariantCulture, out var v) ? v : null;
    }

    public static List<ClinicalCode> Codes(CodeableConcept? concept) =>
        concept?.Coding?.Where(c => c is not null && !string.IsNullOrWhiteSpace(c.System) && !string.IsNullOrWhiteSpace(c.Code))
            .Select(c => new ClinicalCode(c.System!, c.Code!, string.IsNullOrWhiteSpace(c.Display) ? null : c.Display)).ToList() ?? [];

    public static string? Text(CodeableConcept? concept) =>
        !string.IsNullOrWhiteSpace(concept?.Text) ? concept.Text : concept?.Coding?.Select(c => c?.Display).FirstOrDefault(d => !string.IsNullOrWhiteSpace(d));

    private static string? StatusCode(CodeableConcept? concept) =>
        concept?.Coding?.Select(c => c?.Code).FirstOrDefault(c => !string.IsNullOrWhiteSpace(c));

    private static string? Literal<TEnum>(TEnum? value) where TEnum : struct, Enum => value is { } v ? v.GetLiteral() : null;

    public static DateOnly? ParseDate(string? text) =>
        ParseDateTime(text) is { } dto ? DateOnly.FromDateTime(dto.UtcDateTime) : null;

    /// <summary>FHIR date/dateTime with partial precision ("2024", "2024-05", "2024-05-01", full instants); null when unreadable.</summary>
    public static DateTimeOffset? ParseDateTime(string? text)
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
}
