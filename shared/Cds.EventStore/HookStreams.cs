using Marten;

namespace Cds.EventStore;

/// <summary>
/// Appends to a hook's stream. Several services write to the same stream (hooks: the answer and feedback;
/// enrichment: its result; write-back: the note's fate), and each append rewrites the inline
/// <see cref="HookTimeline"/> from the copy its own transaction read. Two appends at the same moment would each
/// write a timeline missing the other's event. The stream's row is locked first (<c>select … for update</c>), so
/// concurrent writers take turns and each projects on top of the other's committed timeline.
/// </summary>
public static class HookStreams
{
    public static async Task AppendAsync(IDocumentSession session, string hookInstance, CancellationToken ct, params object[] events)
    {
        try
        {
            await session.Events.AppendExclusive(hookInstance, ct, events);
        }
        catch (Marten.Exceptions.NonExistentStreamException)
        {
            // No stream yet (its start was not recorded: the store was down when the hook arrived): start it here.
            session.Events.Append(hookInstance, events);
        }
    }
}
