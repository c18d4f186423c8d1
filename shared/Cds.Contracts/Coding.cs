namespace Cds.Contracts;

public sealed record Coding
{
    public string? System { get; init; }
    public required string Code { get; init; }
    public string? Display { get; init; }
}
