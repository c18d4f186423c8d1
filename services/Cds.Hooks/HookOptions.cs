namespace Cds.Hooks;

public sealed class HookOptions
{
    public const string Section = "Hooks";

    /// <summary>Time from receipt to answer. Epic publishes no number; field reports say 0.5–2 s.</summary>
    public TimeSpan Deadline { get; set; } = TimeSpan.FromMilliseconds(1200);

    /// <summary>Per service id overrides of <see cref="Deadline"/>.</summary>
    public Dictionary<string, TimeSpan> ServiceDeadlines { get; set; } = [];

    /// <summary>Largest request body accepted (413 above).</summary>
    public long MaxRequestBytes { get; set; } = 1_048_576;

    /// <summary>How long a late enrichment result may be served on the next hook for the same patient.</summary>
    public TimeSpan CachedResultFreshness { get; set; } = TimeSpan.FromMinutes(10);

    /// <summary>Origins allowed by CORS (browser clients such as the CDS Hooks sandbox). Empty: none.</summary>
    public string[] CorsOrigins { get; set; } = [];

    public TimeSpan DeadlineFor(string serviceId) => ServiceDeadlines.GetValueOrDefault(serviceId, Deadline);
}
