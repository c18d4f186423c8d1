namespace Cds.EpicSandbox.Conformance;

/// <summary>A CDS service's answer that a strict CDS client (Epic) would refuse.</summary>
public sealed class CdsHooksConformanceException : Exception
{
    public CdsHooksConformanceException()
    {
        Violations = [];
    }

    public CdsHooksConformanceException(string message)
        : base(message)
    {
        Violations = [];
    }

    public CdsHooksConformanceException(string message, Exception inner)
        : base(message, inner)
    {
        Violations = [];
    }

    public CdsHooksConformanceException(string what, IReadOnlyList<SchemaViolation> violations)
        : base(CdsHooksSchema.Describe(what, violations))
    {
        Violations = violations;
    }

    public IReadOnlyList<SchemaViolation> Violations { get; }
}
