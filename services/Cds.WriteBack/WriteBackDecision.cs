using Cds.Contracts;
using Cds.Tenants;

namespace Cds.WriteBack;

/// <summary>What the policy decided for one feedback item.</summary>
public abstract record WriteBackDecision
{
    private WriteBackDecision() { }

    /// <summary>No note: <see cref="Reason"/> says why (for logs and metrics; no PHI).</summary>
    public sealed record Skip(string Reason) : WriteBackDecision;

    /// <summary>Write a note for <see cref="Card"/> because of <see cref="Trigger"/>.</summary>
    public sealed record Write(WriteBackTrigger Trigger, NoteIdentity Identity, Card Card, Finding? Finding) : WriteBackDecision;
}
