namespace Cds.EventStore;

public static class PatientDataSources
{
    /// <summary>Everything came with the request (prefetch, or fetched with the hook's token).</summary>
    public const string Prefetch = "prefetch";
    /// <summary>Read from Epic with the backend token for this evaluation.</summary>
    public const string Epic = "epic";
    /// <summary>A context read from Epic for an earlier hook, young enough for this one.</summary>
    public const string Warm = "warm";
    /// <summary>An older context, used because Epic could not be read again in time; its age is on the cards.</summary>
    public const string Stale = "stale";
    /// <summary>What the request lacked could not be read at all: those parts stay gaps.</summary>
    public const string Unavailable = "unavailable";
}
