namespace Cds.Contracts;

/// <summary>
/// A reason the user may pick when overriding a card: a CDS Hooks 2.0 Coding whose system and code are required
/// (spec "Coding", requirements 216–217) and whose display the service MUST populate (requirements 100, 136, 219).
/// </summary>
public sealed record OverrideReason
{
    public required string Code { get; init; }
    public required string System { get; init; }
    public required string Display { get; init; }
}
