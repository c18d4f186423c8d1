namespace Cds.Contracts;

public sealed record Link
{
    public required string Label { get; init; }
    public required string Url { get; init; }
    /// <summary>"absolute" or "smart".</summary>
    public required string Type { get; init; }
    /// <summary>Only for <c>smart</c> links: not valid on absolute links (requirements 146–147).</summary>
    public string? AppContext { get; init; }
    /// <summary>CDS Hooks 2.0 hint that the client may launch the link at once.</summary>
    public bool? Autolaunchable { get; init; }
}
