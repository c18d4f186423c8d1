namespace Cds.Ops.Rules;

/// <summary>
/// How far the rule outcome projection (async daemon) is behind the event store: the report's numbers are as of
/// <see cref="ProjectedThrough"/>, and <see cref="Behind"/> newer events, the oldest appended at
/// <see cref="OldestUnprojectedAt"/>, are not counted yet.
/// </summary>
public sealed record ProjectionLag(long ProjectedThrough, long Behind, DateTimeOffset? OldestUnprojectedAt)
{
    /// <summary>One line for the report's header: "up to date", or what is not counted yet and since when.</summary>
    public string Describe(DateTimeOffset now) => Behind <= 0
        ? $"outcomes up to date (event {ProjectedThrough})"
        : $"outcomes projected through event {ProjectedThrough}; {Behind} newer event(s) not counted yet"
          + (OldestUnprojectedAt is { } at ? $", the oldest {Math.Max(0, (now - at).TotalSeconds):0} s old" : "")
          + " (the write-back service runs the projection daemon)";
}
