namespace Cds.Hooks.Requests;

/// <summary>Limits and choices of <see cref="HookRequestReader"/>. Configuration section <c>CdsHooks:Requests</c>.</summary>
public sealed class HookRequestReaderOptions
{
    public const string SectionName = "CdsHooks:Requests";

    /// <summary>Maximum JSON nesting depth (System.Text.Json MaxDepth). Key <c>CdsHooks:Requests:MaxDepth</c>.</summary>
    public int MaxDepth { get; set; } = 64;
    /// <summary>Maximum items in any one JSON array. Key <c>CdsHooks:Requests:MaxArrayItems</c>.</summary>
    public int MaxArrayItems { get; set; } = 10_000;
    /// <summary>Maximum body size in bytes; larger is 413. Key <c>CdsHooks:Requests:MaxBodyBytes</c>.</summary>
    public long MaxBodyBytes { get; set; } = 8 * 1024 * 1024;
    /// <summary>Prefetch values that are not usable FHIR R4. Key <c>CdsHooks:Requests:InvalidPrefetch</c> (Reject | TreatAsMissing).</summary>
    public InvalidPrefetchHandling InvalidPrefetch { get; set; } = InvalidPrefetchHandling.Reject;

    /// <summary>A fresh instance with the defaults (never shared, so never changed by someone else).</summary>
    public static HookRequestReaderOptions Default => new();
}
