using MassTransit;

namespace Cds.Contracts;

[MessageUrn("cds:hook-evaluated:v1")]
public sealed record HookEvaluated
{
    public required string Tenant { get; init; }
    public required string HookInstance { get; init; }
    public required string PatientId { get; init; }
    public required IReadOnlyList<Card> Cards { get; init; }
    public required IReadOnlyList<Finding> Findings { get; init; }
    /// <summary>Rule set id and version, e.g. "drug-allergy@3".</summary>
    public required IReadOnlyList<string> RuleVersions { get; init; }
    public required DateTimeOffset CompletedAt { get; init; }
}
