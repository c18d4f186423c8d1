namespace Cds.EventStore;

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
