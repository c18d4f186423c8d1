namespace Cds.Contracts;

/// <summary>What a rule concluded, independent of how it is shown: the event store keeps it for audit.</summary>
public sealed record Finding
{
    public required string RuleId { get; init; }
    public required string RuleVersion { get; init; }
    /// <summary>
    /// Stable hash of the tenant's overrides of the rule's parameters (<c>Tenants:{id}:Rules:{ruleId}:Parameters</c>)
    /// the finding was concluded with; null when the rule ran as shipped.
    /// </summary>
    public string? OverridesHash { get; init; }
    public required string TopicCode { get; init; }
    public required string Indicator { get; init; }
    public required string Summary { get; init; }
    public required string CardUuid { get; init; }
    /// <summary>Codes and values that triggered it (no names).</summary>
    public IReadOnlyList<string> Evidence { get; init; } = [];
    /// <summary>The tenant's write-back policy may document this finding as a note.</summary>
    public bool FlagForDocumentation { get; init; }
}
