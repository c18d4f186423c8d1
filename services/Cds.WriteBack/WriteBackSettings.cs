using System.Text.RegularExpressions;
using Microsoft.Extensions.Options;

namespace Cds.WriteBack;

/// <summary>What may cause a note. A tenant lists the triggers it wants under <c>Tenants:{id}:WriteBack:Triggers</c>.</summary>
public enum WriteBackTrigger
{
    /// <summary>A clinician overrode a card whose indicator is critical: the note documents the override reason(s).</summary>
    OverrideOfCritical,
    /// <summary>A clinician accepted one of a card's suggestions.</summary>
    AcceptedSuggestion,
    /// <summary>A clinician responded (accepted or overrode) to a card whose finding a rule flagged for documentation.</summary>
    FlaggedFinding,
}

/// <summary>
/// One tenant's write-back policy, bound from <c>Tenants:{id}:WriteBack</c>. Off unless <see cref="Enabled"/> is true
/// (docs/epic-behaviours.md item 23: the customer must enable note writes). <c>Enabled</c> is also read by <c>Cds.Fhir</c>, which refuses
/// any create for a tenant where it is false.
/// </summary>
public sealed class TenantWriteBackSettings
{
    public const string Section = "WriteBack";
    public const string DefaultNoteTypeLoinc = "11506-3";

    public bool Enabled { get; set; }

    /// <summary>Triggers in force. Not set: <see cref="WriteBackTrigger.OverrideOfCritical"/> only.</summary>
    public List<WriteBackTrigger>? Triggers { get; set; }

    /// <summary>
    /// LOINC document type of the note (DocumentReference.type). Default 11506-3 "Progress note": the note records a
    /// clinician's decision during an encounter, and it is the type Epic sites most often map to a progress-note
    /// document type. A site that files CDS overrides as e.g. 11488-4 "Consult note" sets it here.
    /// </summary>
    public string NoteTypeLoinc { get; set; } = DefaultNoteTypeLoinc;

    /// <summary>Display text sent with <see cref="NoteTypeLoinc"/>; the known LOINC name when not set.</summary>
    public string? NoteTypeDisplay { get; set; }

    /// <summary><c>text/plain</c> or <c>text/html</c> (the attachment's content type; sent with charset=utf-8).</summary>
    public string ContentType { get; set; } = "text/plain";

    /// <summary>DocumentReference.docStatus: <c>final</c> (default) or <c>preliminary</c> when the site wants the note pended for review.</summary>
    public string DocStatus { get; set; } = "final";

    /// <summary>Identifier system of our notes; the value is a hash of tenant, hookInstance, card and outcome.</summary>
    public string IdentifierSystem { get; set; } = "urn:cds-platform:write-back:note";

    public IReadOnlyList<WriteBackTrigger> EffectiveTriggers => Triggers is { Count: > 0 } t ? t : [WriteBackTrigger.OverrideOfCritical];

    public static readonly TenantWriteBackSettings Disabled = new();

    public static string? KnownLoincDisplay(string code) => code switch
    {
        "11506-3" => "Progress note",
        "11488-4" => "Consult note",
        "34109-9" => "Note",
        "28570-0" => "Procedure note",
        "18842-5" => "Discharge summary",
        "34117-2" => "History and physical note",
        _ => null,
    };
}

/// <summary>Write-back settings of every tenant, bound from the <c>Tenants</c> section (only the <c>WriteBack</c> child of each).</summary>
public sealed class WriteBackTenantsOptions
{
    public Dictionary<string, TenantEntry> Tenants { get; set; } = new(StringComparer.OrdinalIgnoreCase);

    public sealed class TenantEntry
    {
        public TenantWriteBackSettings WriteBack { get; set; } = new();
    }

    /// <summary>The tenant's settings; an unknown tenant is treated as disabled.</summary>
    public TenantWriteBackSettings For(string tenant) =>
        Tenants.TryGetValue(tenant, out var entry) ? entry.WriteBack : TenantWriteBackSettings.Disabled;
}

/// <summary>Start-up validation with messages a person can act on.</summary>
public sealed partial class WriteBackTenantsValidator : IValidateOptions<WriteBackTenantsOptions>
{
    private static readonly string[] ContentTypes = ["text/plain", "text/html"];
    private static readonly string[] DocStatuses = ["final", "preliminary", "amended"];

    public ValidateOptionsResult Validate(string? name, WriteBackTenantsOptions options)
    {
        var problems = new List<string>();
        foreach (var (tenant, entry) in options.Tenants)
        {
            var w = entry.WriteBack;
            var prefix = $"Tenants:{tenant}:WriteBack";
            if (!LoincPattern().IsMatch(w.NoteTypeLoinc ?? ""))
            {
                problems.Add($"{prefix}:NoteTypeLoinc '{w.NoteTypeLoinc}' is not a LOINC code (digits, dash, check digit; e.g. {TenantWriteBackSettings.DefaultNoteTypeLoinc} Progress note).");
            }
            if (!ContentTypes.Contains(w.ContentType, StringComparer.OrdinalIgnoreCase))
            {
                problems.Add($"{prefix}:ContentType '{w.ContentType}' is not supported: use text/plain or text/html.");
            }
            if (!DocStatuses.Contains(w.DocStatus, StringComparer.Ordinal))
            {
                problems.Add($"{prefix}:DocStatus '{w.DocStatus}' is not a FHIR R4 composition status: use final or preliminary.");
            }
            if (!Uri.TryCreate(w.IdentifierSystem, UriKind.Absolute, out _))
            {
                problems.Add($"{prefix}:IdentifierSystem '{w.IdentifierSystem}' must be an absolute URI (e.g. urn:cds-platform:write-back:note).");
            }
        }
        return problems.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(problems);
    }

    [GeneratedRegex(@"^\d{1,7}-\d$")]
    private static partial Regex LoincPattern();
}
