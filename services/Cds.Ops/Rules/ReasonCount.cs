namespace Cds.Ops.Rules;

public sealed record ReasonCount(string Code, long Count);
