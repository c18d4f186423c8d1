namespace Cds.Contracts;

public sealed record Suggestion
{
    public required string Label { get; init; }
    public required string Uuid { get; init; }
    public bool? IsRecommended { get; init; }
    /// <summary>Epic takes one action per suggestion.</summary>
    public IReadOnlyList<CardAction>? Actions { get; init; }
}
