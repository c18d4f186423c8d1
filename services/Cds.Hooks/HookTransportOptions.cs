namespace Cds.Hooks;

/// <summary>
/// How long a caller may take to send its request, and how long a connection may idle (configuration section
/// <c>Hooks:Transport</c>). A hook's deadline is about a second: a body that has not arrived within a few seconds will
/// never be answered in time, and a caller that stalls must not hold a connection and a request for good.
/// </summary>
public sealed class HookTransportOptions
{
    public const string Section = "Hooks:Transport";

    /// <summary>
    /// Time for a hook's or feedback's whole body to arrive, from the start of reading it; past it the call is answered
    /// 408 with an OperationOutcome. Default 3 s.
    /// </summary>
    public TimeSpan BodyTimeout { get; set; } = TimeSpan.FromSeconds(3);

    /// <summary>
    /// Backstop of the request-timeouts middleware on the hook and feedback routes: 408 with an OperationOutcome when
    /// anything at all (body, authentication, storage) takes longer. Default 10 s; never shorter than the longest hook
    /// deadline plus one second, so the deadline's own answer always comes first.
    /// </summary>
    public TimeSpan RequestTimeout { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>Kestrel: time for the request line and headers to arrive once the first byte has (default 3 s; Kestrel's own is 30 s).</summary>
    public TimeSpan RequestHeadersTimeout { get; set; } = TimeSpan.FromSeconds(3);

    /// <summary>
    /// Kestrel: how long an idle connection stays open between requests (default 130 s, Kestrel's own: longer than the
    /// usual 60 s idle timeout of a load balancer in front, so the balancer never reuses a connection we are closing).
    /// </summary>
    public TimeSpan KeepAliveTimeout { get; set; } = TimeSpan.FromSeconds(130);

    /// <summary>Kestrel: slowest request body accepted, in bytes per second, after <see cref="MinRequestBodyGracePeriod"/> (default 1024; Kestrel's own is 240).</summary>
    public double MinRequestBodyBytesPerSecond { get; set; } = 1024;

    /// <summary>Kestrel: time a body is given before <see cref="MinRequestBodyBytesPerSecond"/> is enforced (default 2 s; Kestrel's own is 5 s).</summary>
    public TimeSpan MinRequestBodyGracePeriod { get; set; } = TimeSpan.FromSeconds(2);

    /// <summary>The request-timeouts middleware's timeout: <see cref="RequestTimeout"/>, raised above the longest hook deadline.</summary>
    public TimeSpan EffectiveRequestTimeout(HookOptions hooks)
    {
        ArgumentNullException.ThrowIfNull(hooks);
        var longest = hooks.ServiceDeadlines.Values.Append(hooks.Deadline).Max();
        var floor = longest + TimeSpan.FromSeconds(1);
        return RequestTimeout > floor ? RequestTimeout : floor;
    }
}
