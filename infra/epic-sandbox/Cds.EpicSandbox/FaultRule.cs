using System.Text.Json.Serialization;

namespace Cds.EpicSandbox;

/// <summary>A fault to inject into matching requests. Null matchers match anything.</summary>
public sealed class FaultRule
{
    /// <summary>HTTP method to match (GET, POST, ...).</summary>
    public string? Method { get; init; }

    /// <summary>FHIR resource type in the path (e.g. "Observation"); "token" matches the token endpoint.</summary>
    public string? ResourceType { get; init; }

    /// <summary>Substring of the path and query (ordinal, case-insensitive).</summary>
    public string? PathContains { get; init; }

    /// <summary>Status code to answer instead of the real response (e.g. 429, 503).</summary>
    public int? Status { get; init; }

    /// <summary>Seconds for a Retry-After header (sent with any status; 429 and 503 get 1 s when not set).</summary>
    public int? RetryAfterSeconds { get; init; }

    /// <summary>Delay before answering (or before the real handler runs when no Status is set).</summary>
    public TimeSpan? Delay { get; init; }

    /// <summary>
    /// Process the request for real (a create is stored), then hold the answer this long: Epic did the work but the
    /// caller hears nothing yet. A caller that gives up or dies meanwhile never learns its note exists; the answer is
    /// sent after the delay even if the caller has gone.
    /// </summary>
    public TimeSpan? DelayAnswer { get; init; }

    /// <summary>Abort the connection without a response.</summary>
    public bool DropConnection { get; init; }

    /// <summary>Let the real handler answer, but abort the connection once this many body bytes are sent (a download cut mid-stream).</summary>
    public long? CutBodyAfterBytes { get; init; }

    /// <summary>Let this many matching requests through before the rule fires.</summary>
    public int Skip { get; init; }

    /// <summary>Fire at most this many times (null = every time).</summary>
    public int? Times { get; init; }

    private int _seen;
    private int _fired;

    /// <summary>How many times the rule fired.</summary>
    [JsonInclude]
    public int Fired => Volatile.Read(ref _fired);

    internal bool Matches(string method, string? resourceType, string pathAndQuery) =>
        (Method is null || string.Equals(Method, method, StringComparison.OrdinalIgnoreCase))
        && (ResourceType is null || string.Equals(ResourceType, resourceType, StringComparison.OrdinalIgnoreCase))
        && (PathContains is null || pathAndQuery.Contains(PathContains, StringComparison.OrdinalIgnoreCase));

    /// <summary>Counts a matching request; true when the rule fires for it.</summary>
    internal bool TryFire()
    {
        var seen = Interlocked.Increment(ref _seen);
        if (seen <= Skip)
        {
            return false;
        }

        while (true)
        {
            var fired = Volatile.Read(ref _fired);
            if (Times is { } max && fired >= max)
            {
                return false;
            }

            if (Interlocked.CompareExchange(ref _fired, fired + 1, fired) == fired)
            {
                return true;
            }
        }
    }

    public override string ToString() =>
        $"{Method ?? "*"} {ResourceType ?? "*"} ~'{PathContains}' -> {(DropConnection ? "drop" : CutBodyAfterBytes is { } cut ? $"cut@{cut}" : Status?.ToString(System.Globalization.CultureInfo.InvariantCulture) ?? "delay")}";
}
