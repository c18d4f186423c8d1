using System.Text.Json;

namespace Cds.Hooks.Requests;

/// <summary>
/// The request's top-level <c>extension</c> object as Epic fills it (docs/epic-behaviours.md item 1): the BPA trigger action (what the
/// clinician did, since Epic reuses patient-view for native triggers), the criteria (BPA record) id and the Epic version.
/// Every other key is kept as sent (raw JSON text), Epic's or anyone's. Recorded with the hook event.
/// </summary>
public sealed record EpicRequestExtension
{
    public const string TriggerActionKey = "com.epic.cdshooks.request.bpa-trigger-action";
    public const string CriteriaIdKey = "com.epic.cdshooks.request.criteria-id";
    public const string EpicVersionKey = "com.epic.cdshooks.request.epic-version";
    public const string SpecificationVersionKey = "com.epic.cdshooks.request.cds-hooks-specification-version";
    public const string FhirVersionKey = "com.epic.cdshooks.request.fhir-version";

    /// <summary>The trigger action code as sent ("60", "18", …), or null.</summary>
    public string? TriggerAction { get; init; }
    /// <summary>What <see cref="TriggerAction"/> means (e.g. "open chart"); "unknown" for codes not listed; null when absent.</summary>
    public string? TriggerActionMeaning => TriggerAction is null ? null : MeaningOf(TriggerAction);
    public string? CriteriaId { get; init; }
    public string? EpicVersion { get; init; }
    public string? SpecificationVersion { get; init; }
    public string? FhirVersion { get; init; }
    /// <summary>All other keys with their raw JSON values (strings unquoted).</summary>
    public IReadOnlyDictionary<string, string> Other { get; init; } = new Dictionary<string, string>();

    /// <summary>Whether any Epic request key was present (Epic sent it) rather than only foreign keys.</summary>
    public bool IsFromEpic => TriggerAction is not null || CriteriaId is not null || EpicVersion is not null
        || Other.Keys.Any(k => k.StartsWith("com.epic.", StringComparison.Ordinal) || k.StartsWith("internal.epic.", StringComparison.Ordinal));

    /// <summary>Meaning of Epic's BPA trigger action codes (Epic's CDS Hooks tutorial).</summary>
    public static string MeaningOf(string code) => code.Trim() switch
    {
        "60" => "open chart",
        "18" => "enter order",
        "23" => "sign orders",
        "6" => "enter problem",
        _ => "unknown",
    };

    /// <summary>Reads an <c>extension</c> object; returns null for anything but an object.</summary>
    public static EpicRequestExtension? From(JsonElement extension)
    {
        if (extension.ValueKind != JsonValueKind.Object)
            return null;
        string? trigger = null, criteria = null, version = null, spec = null, fhir = null;
        var other = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var p in extension.EnumerateObject())
        {
            var text = p.Value.ValueKind switch
            {
                JsonValueKind.String => p.Value.GetString() ?? "",
                _ => p.Value.GetRawText(),
            };
            switch (p.Name)
            {
                case TriggerActionKey: trigger = text; break;
                case CriteriaIdKey: criteria = text; break;
                case EpicVersionKey: version = text; break;
                case SpecificationVersionKey: spec = text; break;
                case FhirVersionKey: fhir = text; break;
                default: other[p.Name] = text; break;
            }
        }
        return new EpicRequestExtension
        {
            TriggerAction = trigger,
            CriteriaId = criteria,
            EpicVersion = version,
            SpecificationVersion = spec,
            FhirVersion = fhir,
            Other = other,
        };
    }
}
