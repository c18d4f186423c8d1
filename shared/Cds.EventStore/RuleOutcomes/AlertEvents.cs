using Cds.Contracts;

namespace Cds.EventStore.RuleOutcomes;

/// <summary>
/// Silent (shadow) mode: the rules produced these cards, and the tenant's alert settings kept them from Epic. Appended to
/// the hook's stream with the evaluation; <see cref="Settings"/> names the configuration keys that silenced them.
/// </summary>
public sealed record CardsSilenced(
    string HookInstance,
    string ServiceId,
    IReadOnlyList<Card> Cards,
    IReadOnlyList<Finding> Findings,
    IReadOnlyList<string> Settings,
    DateTimeOffset SilencedAt);

/// <summary>
/// One alert setting of a tenant changed at runtime (a configuration reload): its key, the values before and after,
/// what changed it and on which instance. Stream: <see cref="AlertSettingStreams.For"/> (per tenant).
/// </summary>
public sealed record AlertSettingChanged(
    string Tenant,
    string Key,
    string? OldValue,
    string? NewValue,
    string ChangedBy,
    string Instance,
    DateTimeOffset ChangedAt);

public static class AlertSettingStreams
{
    /// <summary>The stream of a tenant's alert-setting changes (not a hook stream).</summary>
    public static string For(string tenant) => $"alert-settings:{tenant}";
}
