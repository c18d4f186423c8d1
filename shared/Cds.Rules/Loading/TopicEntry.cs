using Cds.Contracts;

namespace Cds.Rules;

/// <summary>The card's <c>source.topic</c>: a CDS Hooks Coding, system required (requirement 217).</summary>
internal sealed record TopicEntry(string System, string Code, string Display)
{
    public Coding ToCoding() => new() { System = System, Code = Code, Display = Display };
}
