namespace Cds.Rules;

/// <summary>An override reason; its system is the file's <c>overrideReasonSystem</c>.</summary>
internal sealed record ReasonEntry(string Code, string Display);
