namespace Cds.EventStore.RuleOutcomes;

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
