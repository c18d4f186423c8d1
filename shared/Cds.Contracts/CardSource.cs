namespace Cds.Contracts;

public sealed record CardSource
{
    public required string Label { get; init; }
    public string? Url { get; init; }
    public string? Icon { get; init; }
    /// <summary>Stable per kind of advice (alphanumeric, ≤ 100): Epic remembers overrides by it.</summary>
    public Coding? Topic { get; init; }
}
