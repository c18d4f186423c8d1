namespace Cds.Contracts;

/// <summary>What a rule concluded, independent of how it is shown: the event store keeps it for audit.</summary>
public sealed record Finding
{
    public required string RuleId { get; init; }
    public required string RuleVersion { get; init; }
    public required string TopicCode { get; init; }
    public required string Indicator { get; init; }
    public required string Summary { get; init; }
    public required string CardUuid { get; init; }
    /// <summary>Codes and values that triggered it (no names).</summary>
    public IReadOnlyList<string> Evidence { get; init; } = [];
    /// <summary>The tenant's write-back policy may document this finding as a note.</summary>
    public bool FlagForDocumentation { get; init; }
}
