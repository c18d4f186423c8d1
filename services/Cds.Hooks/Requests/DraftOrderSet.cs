using Cds.Contracts;
using Hl7.Fhir.Model;

namespace Cds.Hooks.Requests;

/// <summary>
/// <c>context.draftOrders</c>, taken apart (docs/epic-behaviours.md item 3): MedicationRequests become <see cref="DraftMedication"/>s with the
/// medication resolved — <c>medicationCodeableConcept</c>, or <c>medicationReference</c> resolved against <c>Medication</c>
/// entries of the same Bundle (by <c>fullUrl</c>, <c>Medication/{id}</c>, an absolute URL ending in it) or a <c>#contained</c>
/// Medication. Medication entries are not orders. Other request types are kept in <see cref="OtherOrders"/>.
/// </summary>
public sealed record DraftOrderSet
{
    public required Bundle Bundle { get; init; }
    public IReadOnlyList<DraftMedication> Medications { get; init; } = [];
    /// <summary>The MedicationRequest each entry of <see cref="Medications"/> came from (same order).</summary>
    public IReadOnlyList<MedicationRequest> MedicationRequests { get; init; } = [];
    public IReadOnlyList<OtherDraftOrder> OtherOrders { get; init; } = [];
    /// <summary>Medication resources carried as extra entries (Epic since Feb 2024).</summary>
    public IReadOnlyList<Medication> ReferencedMedications { get; init; } = [];
    /// <summary>Request ids whose medicationReference matched nothing in the Bundle (the reference's display is used as text).</summary>
    public IReadOnlyList<string> UnresolvedMedicationReferences { get; init; } = [];

    /// <summary><c>Type/id</c> of every order entry (not Medication entries), and the fullUrls, for matching <c>selections</c>.</summary>
    public bool ContainsOrder(string reference)
    {
        foreach (var entry in Bundle.Entry)
        {
            if (entry?.Resource is null or Medication)
                continue;
            if (entry.FullUrl is { Length: > 0 } fullUrl && string.Equals(fullUrl, reference, StringComparison.Ordinal))
                return true;
            var local = entry.Resource.TypeName + "/" + entry.Resource.Id;
            if (string.Equals(local, reference, StringComparison.Ordinal))
                return true;
            if (reference.EndsWith("/" + local, StringComparison.Ordinal) && Uri.TryCreate(reference, UriKind.Absolute, out _))
                return true;
        }
        return false;
    }

    public static DraftOrderSet From(Bundle bundle)
    {
        ArgumentNullException.ThrowIfNull(bundle);
        var medicationEntries = bundle.Entry.Where(e => e?.Resource is Medication).Select(e => (e.FullUrl, (Medication)e.Resource!)).ToList();
        var medications = new List<DraftMedication>();
        var requests = new List<MedicationRequest>();
        var others = new List<OtherDraftOrder>();
        var unresolved = new List<string>();

        foreach (var entry in bundle.Entry)
        {
            switch (entry?.Resource)
            {
                case null:
                case Medication:
                    continue;
                case MedicationRequest request:
                {
                    var (draft, resolved) = ToDraft(request, medicationEntries);
                    medications.Add(draft);
                    requests.Add(request);
                    if (!resolved)
                        unresolved.Add(request.Id ?? "(no id)");
                    break;
                }
                case OperationOutcome:
                    continue;
                case var other:
                    others.Add(new OtherDraftOrder(other.TypeName, other.Id, other));
                    break;
            }
        }

        return new DraftOrderSet
        {
            Bundle = bundle,
            Medications = medications,
            MedicationRequests = requests,
            OtherOrders = others,
            ReferencedMedications = medicationEntries.Select(e => e.Item2).ToList(),
            UnresolvedMedicationReferences = unresolved,
        };
    }

    private static (DraftMedication Draft, bool Resolved) ToDraft(MedicationRequest request, List<(string? FullUrl, Medication Medication)> medicationEntries)
    {
        switch (request.Medication)
        {
            case CodeableConcept concept:
                return (new DraftMedication(request.Id, Codes(concept), TextOf(concept)), true);
            case ResourceReference reference:
            {
                var medication = Resolve(reference.Reference, request, medicationEntries);
                if (medication?.Code is { } code)
                    return (new DraftMedication(request.Id, Codes(code), TextOf(code) ?? reference.Display), true);
                if (medication is not null)
                    return (new DraftMedication(request.Id, [], reference.Display), true);
                return (new DraftMedication(request.Id, [], reference.Display), false);
            }
            default:
                return (new DraftMedication(request.Id, [], null), false);
        }
    }

    internal static Medication? Resolve(string? reference, MedicationRequest request, List<(string? FullUrl, Medication Medication)> medicationEntries)
    {
        if (string.IsNullOrWhiteSpace(reference))
            return null;
        if (reference.StartsWith('#'))
        {
            var id = reference[1..];
            return request.Contained.OfType<Medication>().FirstOrDefault(m => string.Equals(m.Id, id, StringComparison.Ordinal));
        }
        foreach (var (fullUrl, medication) in medicationEntries)
        {
            if (!string.IsNullOrEmpty(fullUrl) && string.Equals(fullUrl, reference, StringComparison.Ordinal))
                return medication;
        }
        var local = LocalPart(reference);
        if (local is null)
            return null;
        foreach (var (fullUrl, medication) in medicationEntries)
        {
            if (medication.Id is { Length: > 0 } id && string.Equals(local, "Medication/" + id, StringComparison.Ordinal))
                return medication;
            if (!string.IsNullOrEmpty(fullUrl) && string.Equals(LocalPart(fullUrl), local, StringComparison.Ordinal))
                return medication;
        }
        return null;
    }

    /// <summary><c>Medication/abc</c> from <c>Medication/abc</c>, <c>https://host/fhir/Medication/abc</c> or <c>…/Medication/abc/_history/2</c>.</summary>
    private static string? LocalPart(string reference)
    {
        var parts = reference.Split('/', StringSplitOptions.RemoveEmptyEntries);
        var historyAt = Array.IndexOf(parts, "_history");
        if (historyAt >= 0)
            parts = parts[..historyAt];
        return parts.Length >= 2 ? parts[^2] + "/" + parts[^1] : null;
    }

    private static List<ClinicalCode> Codes(CodeableConcept concept) =>
        concept.Coding
            .Where(c => c is not null && !string.IsNullOrEmpty(c.Code))
            .Select(c => new ClinicalCode(c.System ?? "", c.Code!, c.Display))
            .ToList();

    private static string? TextOf(CodeableConcept concept) =>
        !string.IsNullOrWhiteSpace(concept.Text) ? concept.Text
        : concept.Coding.FirstOrDefault(c => !string.IsNullOrWhiteSpace(c?.Display))?.Display;
}
