namespace Cds.Hooks.Requests;

/// <summary>
/// Why a card was overridden: the spec's <c>overrideReason { reason: Coding, userComment }</c> or Epic's
/// <c>overrideReasons</c> (plural, an object) whose reason may come only as Epic extension keys
/// (<c>com.epic.cdshooks.feedback.overrideReason.reasonCategory/reasonDisplay/reasonTitle</c>).
/// </summary>
public sealed record FeedbackOverrideReason
{
    public string? Code { get; init; }
    public string? System { get; init; }
    public string? Display { get; init; }
    public string? UserComment { get; init; }
    /// <summary>Extension keys of the reason (Epic's category/display/title), raw values.</summary>
    public IReadOnlyDictionary<string, string> Extension { get; init; } = new Dictionary<string, string>();

    /// <summary>Epic's reason category (an Epic list value), when given.</summary>
    public string? EpicCategory => Extension.GetValueOrDefault("com.epic.cdshooks.feedback.overrideReason.reasonCategory");

    /// <summary>The best display: the coding's, else Epic's reasonDisplay / reasonTitle.</summary>
    public string? BestDisplay => Display
        ?? Extension.GetValueOrDefault("com.epic.cdshooks.feedback.overrideReason.reasonDisplay")
        ?? Extension.GetValueOrDefault("com.epic.cdshooks.feedback.overrideReason.reasonTitle");
}
