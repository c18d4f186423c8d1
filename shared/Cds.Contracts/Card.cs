namespace Cds.Contracts;

/// <summary>A CDS Hooks 2.0 card as Epic shows it (docs/epic-behaviours.md items 9–14). Serialized without nulls.</summary>
public sealed record Card
{
    public required string Uuid { get; init; }
    /// <summary>Under 140 characters.</summary>
    public required string Summary { get; init; }
    /// <summary><see cref="Indicators"/>: info, warning or critical.</summary>
    public required string Indicator { get; init; }
    public required CardSource Source { get; init; }
    public string? Detail { get; init; }
    public IReadOnlyList<Suggestion>? Suggestions { get; init; }
    /// <summary>Epic accepts only "any"; set whenever there are suggestions.</summary>
    public string? SelectionBehavior { get; init; }
    public IReadOnlyList<OverrideReason>? OverrideReasons { get; init; }
    public IReadOnlyList<Link>? Links { get; init; }
    /// <summary>e.g. <c>com.epic.cdshooks.card.detail.content-type</c> when detail is not markdown.</summary>
    public IReadOnlyDictionary<string, string>? Extension { get; init; }
}
