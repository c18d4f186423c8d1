namespace Cds.Tenants;

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
