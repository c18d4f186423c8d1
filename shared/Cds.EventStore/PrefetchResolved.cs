namespace Cds.EventStore;

/// <summary>How each prefetch key was obtained: provided by Epic, empty ("no data"), fetched by us, or unavailable.</summary>
public sealed record PrefetchResolved(
    IReadOnlyList<string> Provided,
    IReadOnlyList<string> NoData,
    IReadOnlyList<string> Fetched,
    IReadOnlyList<string> Unavailable);
