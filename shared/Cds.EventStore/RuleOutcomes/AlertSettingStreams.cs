namespace Cds.EventStore.RuleOutcomes;

public static class AlertSettingStreams
{
    /// <summary>The stream of a tenant's alert-setting changes (not a hook stream).</summary>
    public static string For(string tenant) => $"alert-settings:{tenant}";
}
