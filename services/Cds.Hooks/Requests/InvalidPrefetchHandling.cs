namespace Cds.Hooks.Requests;

/// <summary>What to do with a prefetch value that is not usable FHIR R4.</summary>
public enum InvalidPrefetchHandling
{
    /// <summary>Refuse the request (400, OperationOutcome naming <c>prefetch.key</c>). Default.</summary>
    Reject,
    /// <summary>Keep going: the key becomes Missing (flagged <see cref="PrefetchItem.WasInvalid"/>) so the caller fetches it.</summary>
    TreatAsMissing,
}
