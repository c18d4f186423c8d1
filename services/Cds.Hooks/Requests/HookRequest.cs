using System.Text.Json;

namespace Cds.Hooks.Requests;

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
