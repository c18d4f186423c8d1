namespace Cds.EventStore;

// Write-back of a clinical note (DocumentReference) to the customer's Epic, appended to the stream of the hook whose
// card triggered it (stream key = hookInstance, tenant = the session's tenant). Ids, codes and reasons only: never the
// note text, never a token.

/// <summary>
/// The write-back service decided to document a card's outcome and is about to create the note.
/// <see cref="NoteIdentifierValue"/> under <see cref="NoteIdentifierSystem"/> is the note's stable identifier: the
/// same feedback always gives the same identifier, and Epic is asked to create it only if none exists (If-None-Exist).
/// </summary>
public sealed record WriteBackRequested(
    string NoteIdentifierSystem,
    string NoteIdentifierValue,
    string CardUuid,
    string Outcome,
    string Trigger,
    string NoteTypeLoinc,
    Guid SourceEventId,
    DateTimeOffset RequestedAt);

/// <summary>
/// Epic holds the note. <see cref="Created"/> is false when Epic answered with an existing note of the same identifier
/// (a redelivery after a crash between the POST and the acknowledgement).
/// </summary>
public sealed record WriteBackSucceeded(
    string NoteIdentifierValue,
    string? EpicId,
    bool Created,
    int HttpStatus,
    DateTimeOffset SucceededAt);

/// <summary>
/// The note was not written. <see cref="Retryable"/>: false when retrying cannot help until a person acts (a 403 for
/// an API that is not registered, write-back switched off, content refused); true when the attempts were exhausted
/// on transient failures and the message waits in the error queue for a redelivery.
/// </summary>
public sealed record WriteBackFailed(
    string NoteIdentifierValue,
    string Reason,
    bool Retryable,
    int? HttpStatus,
    DateTimeOffset FailedAt);

public static class WriteBackStatuses
{
    public const string Requested = "requested";
    public const string Succeeded = "succeeded";
    public const string Failed = "failed";
}

/// <summary>One note in the hook timeline: its stable identifier, where it stands, and Epic's id once written.</summary>
public sealed class TimelineNote
{
    public string IdentifierSystem { get; set; } = "";
    public string IdentifierValue { get; set; } = "";
    public string CardUuid { get; set; } = "";
    public string Outcome { get; set; } = "";
    public string Trigger { get; set; } = "";
    public string Status { get; set; } = WriteBackStatuses.Requested;
    public string? EpicId { get; set; }
    public bool? Retryable { get; set; }
    public string? FailureReason { get; set; }
    public int Attempts { get; set; }
    public DateTimeOffset RequestedAt { get; set; }
    public DateTimeOffset? CompletedAt { get; set; }
}
