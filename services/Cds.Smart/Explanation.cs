using Cds.Contracts;
using Cds.EventStore;

namespace Cds.Smart;

/// <summary>Everything the explanation page shows for one card.</summary>
public sealed record Explanation(string PatientName, Card Card, Finding? Finding, HookTimeline Timeline, IReadOnlyList<Fact> Facts, IReadOnlyList<string> Unavailable);
