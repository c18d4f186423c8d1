namespace Cds.EpicSandbox.Conformance;

/// <summary>One way a document breaks the CDS Hooks 2.0 schema.</summary>
/// <param name="Pointer">JSON pointer into the document ("" = the root), e.g. <c>/cards/0/suggestions/0/actions/0/resourceId</c>.</param>
/// <param name="Keyword">The schema keyword that failed (type, required, enum, maxLength, …).</param>
/// <param name="Message">What failed.</param>
/// <param name="Requirement">The <c>$comment</c> of the nearest schema node: the spec section and requirement id it comes from.</param>
public sealed record SchemaViolation(string Pointer, string Keyword, string Message, string Requirement)
{
    public override string ToString() => $"{(Pointer.Length == 0 ? "/" : Pointer)}: {Message} [{Keyword}; {Requirement}]";
}
