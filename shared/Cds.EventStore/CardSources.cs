namespace Cds.EventStore;

public static class CardSources
{
    /// <summary>Evaluated for this call within the deadline.</summary>
    public const string Live = "live";
    /// <summary>The deadline passed: served from a recent evaluation of an earlier hook for the same patient.</summary>
    public const string Cached = "cached";
    /// <summary>The deadline passed and nothing recent was known.</summary>
    public const string None = "none";
}
