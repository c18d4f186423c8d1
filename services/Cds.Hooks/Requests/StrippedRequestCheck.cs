namespace Cds.Hooks.Requests;

/// <summary>Whether a request has the "stripped" shape, and why.</summary>
public sealed record StrippedRequestCheck(bool IsStripped, string? Reason)
{
    public static StrippedRequestCheck NotStripped { get; } = new(false, null);
}
