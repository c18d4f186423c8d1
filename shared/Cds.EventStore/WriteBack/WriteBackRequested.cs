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
