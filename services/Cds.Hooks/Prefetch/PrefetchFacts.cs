using System.Text.Json;
using Cds.Contracts;
using Cds.Fhir.Patients;

namespace Cds.Hooks.Prefetch;

/// <summary>
/// Prefetch JSON (R4 shape, as <see cref="Requests.PrefetchItem.Data"/> holds it) → the rules' records, reading only the
/// handful of elements the rules use. The same facts as <see cref="PatientContextMapper"/> gives for the Firely POCOs of the
/// same resources (tests/…/PrefetchFastPathTests compares both); the backend client keeps using that one.
/// </summary>
public static class PrefetchFacts
{
    public static string? TypeOf(JsonElement resource) => Str(resource, "resourceType");

    public static IReadOnlyList<MedicationEntry> Medications(IEnumerable<JsonElement> requests, IEnumerable<JsonElement> medications, out bool unresolved)
    {
        var byId = new Dictionary<string, JsonElement>(StringComparer.Ordinal);
        foreach (var m in medications)
        {
            if (Str(m, "id") is { Length: > 0 } id)
                byId.TryAdd(id, m);
        }
        var entries = new List<MedicationEntry>();
        unresolved = false;
        foreach (var request in requests)
        {
            var status = Str(request, "status");
            if (status is not (null or "active"))
                continue;
            IReadOnlyList<ClinicalCode> codes = [];
            string? text = null;
            if (Obj(request, "medicationCodeableConcept") is { } concept)
            {
                codes = Codes(concept);
                text = Text(concept);
            }
            else if (Obj(request, "medicationReference") is { } reference)
            {
                text = Str(reference, "display");
                if (Resolve(request, reference, byId) is { } medication && Obj(medication, "code") is { } code)
                {
                    codes = Codes(code);
                    text ??= Text(code);
                }
                else
                {
                    unresolved = true;
                }
            }
            entries.Add(new MedicationEntry(Str(request, "id"), codes, status, PatientContextMapper.ParseDateTime(Str(request, "authoredOn")), text));
        }
        return entries;
    }

    private static JsonElement? Resolve(JsonElement request, JsonElement reference, Dictionary<string, JsonElement> byId)
    {
        var r = Str(reference, "reference");
        if (r is not null && r.StartsWith('#'))
        {
            foreach (var contained in Items(request, "contained"))
            {
                if (TypeOf(contained) == "Medication" && Str(contained, "id") == r[1..])
                    return contained;
            }
            return null;
        }
        return r is not null && PatientContextMapper.MedicationId(new Hl7.Fhir.Model.ResourceReference(r)) is { } id && byId.TryGetValue(id, out var found) ? found : null;
    }

    public static IReadOnlyList<AllergyEntry> Allergies(IEnumerable<JsonElement> allergies) =>
        [.. allergies.Where(a => StatusCode(a, "clinicalStatus") is not ("inactive" or "resolved") && StatusCode(a, "verificationStatus") is not ("entered-in-error" or "refuted"))
            .Select(a => new AllergyEntry(Str(a, "id"), Codes(Obj(a, "code")), StatusCode(a, "clinicalStatus"), Str(a, "criticality"), Text(Obj(a, "code"))))];

    public static IReadOnlyList<ConditionEntry> Conditions(IEnumerable<JsonElement> conditions) =>
        [.. conditions.Where(c => StatusCode(c, "clinicalStatus") is not ("inactive" or "resolved" or "remission") && StatusCode(c, "verificationStatus") is not ("entered-in-error" or "refuted"))
            .Select(c => new ConditionEntry(Str(c, "id"), Codes(Obj(c, "code")), StatusCode(c, "clinicalStatus"),
                PatientContextMapper.ParseDateTime(Str(c, "onsetDateTime") ?? (Obj(c, "onsetPeriod") is { } p ? Str(p, "start") : null)),
                Text(Obj(c, "code"))))];

    /// <summary>The latest result per analyte of <see cref="LabPanels"/>, as <see cref="PatientContextMapper.LatestLabs"/>.</summary>
    public static IReadOnlyList<LabResult> LatestLabs(IEnumerable<JsonElement> observations)
    {
        var latest = new Dictionary<string, (JsonElement Obs, DateTimeOffset? Effective)>(StringComparer.Ordinal);
        foreach (var o in observations)
        {
            if (Str(o, "status") is "entered-in-error" or "cancelled")
                continue;
            var analyte = Items(Obj(o, "code"), "coding").Where(c => Str(c, "system") == CodeSystems.Loinc && Str(c, "code") is not null)
                .Select(c => LabPanels.AnalyteOf(Str(c, "code")!)).FirstOrDefault(a => a is not null);
            if (analyte is null)
                continue;
            var effective = PatientContextMapper.ParseDateTime(Str(o, "effectiveDateTime") ?? Str(o, "effectiveInstant")
                ?? (Obj(o, "effectivePeriod") is { } p ? Str(p, "start") : null)) ?? PatientContextMapper.ParseDateTime(Str(o, "issued"));
            if (!latest.TryGetValue(analyte, out var best) || (effective ?? DateTimeOffset.MinValue) > (best.Effective ?? DateTimeOffset.MinValue))
                latest[analyte] = (o, effective);
        }
        return [.. LabPanels.Loinc.Keys.Where(latest.ContainsKey).Select(k =>
        {
            var (o, effective) = latest[k];
            var (value, unit) = Value(o);
            return new LabResult(Str(o, "id"), Codes(Obj(o, "code")), value, unit, effective, Str(o, "status"));
        })];
    }

    public static DateOnly? BirthDate(JsonElement? patient) => patient is { } p ? PatientContextMapper.ParseDate(Str(p, "birthDate")) : null;

    private static (decimal? Value, string? Unit) Value(JsonElement o)
    {
        if (Obj(o, "valueQuantity") is { } q)
            return (q.TryGetProperty("value", out var v) && v.TryGetDecimal(out var d) ? d : null, Str(q, "unit") ?? Str(q, "code"));
        if (Str(o, "valueString") is { } s)
            return (PatientContextMapper.ParseNumber(s), null);
        if (o.TryGetProperty("valueInteger", out var i) && i.TryGetInt32(out var n))
            return (n, null);
        return (null, null);
    }

    private static List<ClinicalCode> Codes(JsonElement? concept) =>
        [.. Items(concept, "coding").Where(c => !string.IsNullOrWhiteSpace(Str(c, "system")) && !string.IsNullOrWhiteSpace(Str(c, "code")))
            .Select(c => new ClinicalCode(Str(c, "system")!, Str(c, "code")!, string.IsNullOrWhiteSpace(Str(c, "display")) ? null : Str(c, "display")))];

    private static string? Text(JsonElement? concept) =>
        concept is { } c && !string.IsNullOrWhiteSpace(Str(c, "text")) ? Str(c, "text")
            : Items(concept, "coding").Select(x => Str(x, "display")).FirstOrDefault(d => !string.IsNullOrWhiteSpace(d));

    private static string? StatusCode(JsonElement resource, string name) =>
        Items(Obj(resource, name), "coding").Select(c => Str(c, "code")).FirstOrDefault(c => !string.IsNullOrWhiteSpace(c));

    private static string? Str(JsonElement obj, string name) =>
        obj.ValueKind == JsonValueKind.Object && obj.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.String ? v.GetString() : null;

    private static JsonElement? Obj(JsonElement obj, string name) =>
        obj.ValueKind == JsonValueKind.Object && obj.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.Object ? v : null;

    /// <summary>The items of an array element (R4 shape: repeating elements are arrays).</summary>
    private static IEnumerable<JsonElement> Items(JsonElement? obj, string name) =>
        obj is { ValueKind: JsonValueKind.Object } o && o.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.Array
            ? v.EnumerateArray().Where(x => x.ValueKind == JsonValueKind.Object)
            : [];
}
