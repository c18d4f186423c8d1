namespace Cds.EventStore;

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
