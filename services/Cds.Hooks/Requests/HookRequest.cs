using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace Cds.Hooks.Requests;

/// <summary>
/// <c>fhirAuthorization</c> of a hook request. The access token lives ~300 s (docs/epic-behaviours.md item 6): use it inside the hook call only;
/// it is never written by <see cref="ToString"/> nor serialized (<see cref="JsonIgnoreAttribute"/>). Epic's
/// <see cref="Scope"/> uses Epic's API names, not SMART scopes, and there is no <c>patient</c> member.
/// </summary>
public sealed record FhirAuthorization
{
    [JsonIgnore]
    public string AccessToken { get; init; } = "";
    public required string TokenType { get; init; }
    public int? ExpiresIn { get; init; }
    public string? Scope { get; init; }
    public string? Subject { get; init; }
    /// <summary>Optional in CDS Hooks 2.0 (SMART's patient); Epic does not send it.</summary>
    public string? Patient { get; init; }

    public override string ToString() =>
        $"FhirAuthorization {{ TokenType = {TokenType}, ExpiresIn = {ExpiresIn}, Subject = {Subject}, AccessToken = [redacted] }}";

    private bool PrintMembers(StringBuilder builder)
    {
        builder.Append("TokenType = ").Append(TokenType).Append(", ExpiresIn = ").Append(ExpiresIn)
            .Append(", Subject = ").Append(Subject).Append(", AccessToken = [redacted]");
        return true;
    }
}

/// <summary>The context fields the three served hooks define, read from <see cref="HookRequest.Context"/>.</summary>
public sealed record HookContext
{
    public required string PatientId { get; init; }
    /// <summary><c>Practitioner/…</c>, <c>PractitionerRole/…</c> (Epic), <c>Patient/…</c> or <c>RelatedPerson/…</c>.</summary>
    public required string UserId { get; init; }
    public string? EncounterId { get; init; }
    /// <summary>order-select only: references to the entries of draftOrders the user just selected.</summary>
    public IReadOnlyList<string> Selections { get; init; } = [];
    /// <summary>The draft orders, resolved: always for order-select/order-sign; for patient-view only when sent (Epic native order triggers).</summary>
    public DraftOrderSet? DraftOrders { get; init; }

    /// <summary>The resource type part of <see cref="UserId"/> ("PractitionerRole", "Practitioner", …).</summary>
    public string UserType => UserId.Split('/')[0];
}

/// <summary>
/// A CDS Hooks 2.0 request that passed validation. <see cref="Context"/>, <see cref="PrefetchJson"/> and
/// <see cref="ExtensionJson"/> keep the JSON as sent (unknown context members included); <see cref="ContextData"/>,
/// <see cref="Prefetch"/> and <see cref="Extension"/> are the parsed views.
/// <see cref="ToString"/> writes no PHI and no token.
/// </summary>
public sealed record HookRequest
{
    public required string Hook { get; init; }
    public required string HookInstance { get; init; }
    public Uri? FhirServer { get; init; }
    public FhirAuthorization? FhirAuthorization { get; init; }
    public required JsonElement Context { get; init; }
    public required HookContext ContextData { get; init; }
    public JsonElement? PrefetchJson { get; init; }
    public required PrefetchSet Prefetch { get; init; }
    public JsonElement? ExtensionJson { get; init; }
    /// <summary>The Epic (or any) extension; null when the request had none.</summary>
    public EpicRequestExtension? Extension { get; init; }
    public StrippedRequestCheck Stripped { get; init; } = StrippedRequestCheck.NotStripped;
    /// <summary>FHIR deviations tolerated while reading draftOrders/prefetch (for logs; no values, only paths and codes).</summary>
    public IReadOnlyList<RequestProblem> ToleratedIssues { get; init; } = [];

    public override string ToString() =>
        $"HookRequest {{ Hook = {Hook}, HookInstance = {HookInstance}, FhirServer = {FhirServer}, PrefetchKeys = {Prefetch.Keys.Count}, " +
        $"DraftMedications = {ContextData.DraftOrders?.Medications.Count ?? 0}, TriggerAction = {Extension?.TriggerAction} }}";
}
