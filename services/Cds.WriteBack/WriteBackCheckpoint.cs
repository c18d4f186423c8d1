namespace Cds.WriteBack;

/// <summary>
/// Called between a successful create in Epic and the recording of <c>WriteBackSucceeded</c> (and the message's
/// acknowledgement). The default does nothing; fault-injection tests replace it to stop a host exactly in the window
/// where a crash must not lead to a second note.
/// </summary>
public interface IWriteBackCheckpoint
{
    ValueTask AfterCreateAsync(string tenant, NoteIdentity identity, CancellationToken ct);
}

public sealed class NoWriteBackCheckpoint : IWriteBackCheckpoint
{
    public ValueTask AfterCreateAsync(string tenant, NoteIdentity identity, CancellationToken ct) => ValueTask.CompletedTask;
}
