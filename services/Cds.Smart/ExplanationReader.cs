using System.Net.Http.Headers;
using System.Text.Json;
using Cds.EventStore;
using Marten;

namespace Cds.Smart;

/// <summary>
/// Reads one card's explanation: the hook's timeline from the event store in the launch's tenant, refused unless it is
/// the launch's patient's, then the chart facts live from Epic with the user's own (patient-scoped) token.
/// </summary>
public sealed class ExplanationReader(IDocumentStore store, IHttpClientFactory http, SmartClient smart, TimeProvider time)
{
    private static readonly (string Kind, string Query)[] Searches =
    [
        ("Lab result", "Observation?patient={0}&category=laboratory&_count=50"),
        ("Medication", "MedicationRequest?patient={0}&_include=MedicationRequest:medication&_count=50"),
        ("Allergy", "AllergyIntolerance?patient={0}&_count=50"),
        ("Problem", "Condition?patient={0}&_count=50"),
    ];

    /// <summary>Null when the hook, the card or the patient does not match the session (the caller answers 404, saying no more).</summary>
    public async Task<Explanation?> ReadAsync(SmartSession session, string hookInstance, string cardUuid, CancellationToken ct)
    {
        HookTimeline? timeline;
        await using (var query = store.QuerySession(session.Tenant.Id))
        {
            timeline = await query.LoadAsync<HookTimeline>(hookInstance, ct);
        }
        var card = timeline?.Cards.Concat(timeline.EnrichedCards).FirstOrDefault(c => c.Uuid == cardUuid);
        if (timeline is null || card is null || string.IsNullOrEmpty(session.Patient) || timeline.PatientId != session.Patient
            || !string.Equals(timeline.Tenant, session.Tenant.Id, StringComparison.OrdinalIgnoreCase))
        {
            return null;
        }
        var finding = timeline.Findings.FirstOrDefault(f => f.CardUuid == cardUuid);
        await RefreshAheadAsync(session, ct);
        var client = http.CreateClient(SmartClient.HttpClientName);
        var facts = new List<Fact>();
        var unavailable = new List<string>();
        var name = "";
        using (var patient = await GetAsync(client, session, $"Patient/{Uri.EscapeDataString(session.Patient)}", ct))
        {
            name = patient is null ? "" : PatientName(patient.RootElement);
        }
        foreach (var (kind, q) in Searches)
        {
            using var bundle = await GetAsync(client, session, string.Format(System.Globalization.CultureInfo.InvariantCulture, q, Uri.EscapeDataString(session.Patient)), ct);
            if (bundle is null)
            {
                unavailable.Add(kind);
                continue;
            }
            var resources = Entries(bundle.RootElement).ToList();
            var medications = resources.Where(r => Text(r, "resourceType") == "Medication").ToDictionary(r => "Medication/" + Text(r, "id"), StringComparer.Ordinal);
            facts.AddRange(resources.Where(r => Text(r, "resourceType") != "Medication")
                .Select(r => ToFact(kind, r, medications, finding?.Evidence ?? [])).OfType<Fact>());
        }
        return new Explanation(name, card, finding, timeline, [.. facts.OrderByDescending(f => f.UsedByRule).ThenByDescending(f => f.When, StringComparer.Ordinal)], unavailable);
    }

    /// <summary>The token is renewed when less than 5 minutes of it are left (with a refresh token), one refresh at a time.</summary>
    private async Task RefreshAheadAsync(SmartSession session, CancellationToken ct)
    {
        static bool Due(SmartSession s, DateTimeOffset now) => s.Grant.RefreshToken is not null && s.Grant.ExpiresAt - now < TimeSpan.FromMinutes(5);
        if (!Due(session, time.GetUtcNow()))
        {
            return;
        }
        await session.Refreshing.WaitAsync(ct);
        try
        {
            if (Due(session, time.GetUtcNow()))
            {
                session.Grant = await smart.RefreshAsync(session.Tenant, session.Endpoints, session.Grant, ct);
            }
        }
        finally
        {
            session.Refreshing.Release();
        }
    }

    private static async Task<JsonDocument?> GetAsync(HttpClient client, SmartSession session, string relative, CancellationToken ct)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, new Uri(session.Tenant.FhirBase, relative));
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", session.Grant.AccessToken);
        request.Headers.Accept.ParseAdd("application/fhir+json");
        using var response = await client.SendAsync(request, ct);
        return response.IsSuccessStatusCode ? await JsonDocument.ParseAsync(await response.Content.ReadAsStreamAsync(ct), cancellationToken: ct) : null;
    }

    private static IEnumerable<JsonElement> Entries(JsonElement bundle) =>
        bundle.TryGetProperty("entry", out var entries)
            ? entries.EnumerateArray().Where(e => !(e.TryGetProperty("search", out var s) && s.TryGetProperty("mode", out var m) && m.GetString() == "outcome"))
                .Select(e => e.TryGetProperty("resource", out var r) ? r : default).Where(r => r.ValueKind == JsonValueKind.Object)
            : [];

    private static Fact? ToFact(string kind, JsonElement r, Dictionary<string, JsonElement> medications, IReadOnlyList<string> evidence)
    {
        // Epic sends medicationReference: the codes are on the included Medication, the name also on the reference.
        var concept = kind switch
        {
            "Medication" => Prop(r, "medicationCodeableConcept")
                ?? (Prop(r, "medicationReference") is { } reference
                    ? Text(reference, "reference") is { } id && medications.TryGetValue(id, out var medication) ? Prop(medication, "code") : reference
                    : null),
            _ => Prop(r, "code"),
        };
        if (concept is not { } c)
        {
            return null;
        }
        var codes = Codes(c).ToList();
        var used = codes.Any(code => code.Length >= 3 && evidence.Any(e => e.Contains(code, StringComparison.Ordinal)));
        var value = kind switch
        {
            "Lab result" => Prop(r, "valueQuantity") is { } q ? $"{Text(q, "value")} {Text(q, "unit")}".Trim() : Text(r, "valueString") ?? "",
            "Medication" => Text(r, "status") ?? "",
            "Allergy" => string.Join(", ", new[] { Text(r, "criticality") is { } crit ? $"criticality {crit}" : null, Reactions(r) }.OfType<string>()),
            _ => Prop(r, "clinicalStatus") is { } st ? Display(st) : "",
        };
        var when = Text(r, "effectiveDateTime") ?? Text(r, "authoredOn") ?? Text(r, "recordedDate") ?? Text(r, "onsetDateTime");
        return new Fact(kind, Display(c), value, when, used);
    }

    private static string? Reactions(JsonElement allergy) =>
        Prop(allergy, "reaction") is { ValueKind: JsonValueKind.Array } reactions
            ? string.Join(", ", reactions.EnumerateArray().SelectMany(x => Prop(x, "manifestation") is { ValueKind: JsonValueKind.Array } m ? m.EnumerateArray() : [])
                .Select(Display).Where(d => d.Length > 0)) is { Length: > 0 } text ? "reaction: " + text : null
            : null;

    private static IEnumerable<string> Codes(JsonElement concept) =>
        Prop(concept, "coding") is { ValueKind: JsonValueKind.Array } codings ? codings.EnumerateArray().Select(x => Text(x, "code")).OfType<string>() : [];

    private static string Display(JsonElement concept) =>
        Text(concept, "text") ?? (Prop(concept, "coding") is { ValueKind: JsonValueKind.Array } codings
            ? codings.EnumerateArray().Select(x => Text(x, "display") ?? Text(x, "code")).OfType<string>().FirstOrDefault() : null) ?? Text(concept, "display") ?? "";

    private static string PatientName(JsonElement patient) =>
        Prop(patient, "name") is { ValueKind: JsonValueKind.Array } names && names.EnumerateArray().FirstOrDefault() is { ValueKind: JsonValueKind.Object } n
            ? Text(n, "text") ?? $"{(Prop(n, "given") is { ValueKind: JsonValueKind.Array } g ? string.Join(' ', g.EnumerateArray().Select(x => x.GetString())) : "")} {Text(n, "family")}".Trim()
            : "";

    private static JsonElement? Prop(JsonElement e, string name) => e.ValueKind == JsonValueKind.Object && e.TryGetProperty(name, out var v) ? v : null;

    private static string? Text(JsonElement e, string name) => Prop(e, name) is { } v
        ? v.ValueKind switch { JsonValueKind.String => v.GetString(), JsonValueKind.Number => v.GetRawText(), _ => null }
        : null;
}
