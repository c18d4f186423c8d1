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

/// <summary>Fault rules applied to the FHIR API and the token endpoint (not to /_sandbox). First matching firing rule wins.</summary>
public sealed class FaultInjector
{
    private readonly object _gate = new();
    private readonly List<FaultRule> _rules = [];

    public FaultRule Add(FaultRule rule)
    {
        lock (_gate)
        {
            _rules.Add(rule);
        }

        return rule;
    }

    /// <summary>Answers matching requests with <paramref name="status"/> (429/503 carry Retry-After).</summary>
    public FaultRule Status(int status, string? resourceType = null, int? times = null, int? retryAfterSeconds = null, string? method = null) =>
        Add(new FaultRule { Status = status, ResourceType = resourceType, Times = times, RetryAfterSeconds = retryAfterSeconds, Method = method });

    public FaultRule Delay(TimeSpan delay, string? resourceType = null, int? times = null) =>
        Add(new FaultRule { Delay = delay, ResourceType = resourceType, Times = times });

    public FaultRule DropConnection(string? resourceType = null, int? times = null) =>
        Add(new FaultRule { DropConnection = true, ResourceType = resourceType, Times = times });

    public bool Remove(FaultRule rule)
    {
        lock (_gate)
        {
            return _rules.Remove(rule);
        }
    }

    public void Clear()
    {
        lock (_gate)
        {
            _rules.Clear();
        }
    }

    public IReadOnlyList<FaultRule> Rules
    {
        get
        {
            lock (_gate)
            {
                return [.. _rules];
            }
        }
    }

    internal FaultRule? Next(string method, string? resourceType, string pathAndQuery)
    {
        foreach (var rule in Rules)
        {
            if (rule.Matches(method, resourceType, pathAndQuery) && rule.TryFire())
            {
                return rule;
            }
        }

        return null;
    }
}

/// <summary>Passes the first <c>limit</c> body bytes through, flushes them, then aborts the connection (a download cut mid-stream).</summary>
internal sealed class CuttingStream(Stream inner, long limit, Microsoft.AspNetCore.Http.HttpContext ctx) : Stream
{
    private long _written;

    public override bool CanRead => false;
    public override bool CanSeek => false;
    public override bool CanWrite => true;
    public override long Length => throw new NotSupportedException();
    public override long Position { get => _written; set => throw new NotSupportedException(); }

    public override void Flush() => inner.Flush();
    public override Task FlushAsync(CancellationToken cancellationToken) => _written >= limit ? Task.CompletedTask : inner.FlushAsync(cancellationToken);
    public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();
    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
    public override void SetLength(long value) => throw new NotSupportedException();
    public override void Write(byte[] buffer, int offset, int count) => WriteAsync(buffer, offset, count).GetAwaiter().GetResult();

    public override async ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default)
    {
        if (_written >= limit)
        {
            throw new IOException("Connection cut by an injected fault.");
        }

        var take = (int)Math.Min(buffer.Length, limit - _written);
        await inner.WriteAsync(buffer[..take], cancellationToken);
        _written += take;
        if (_written >= limit)
        {
            await inner.FlushAsync(cancellationToken);
            // Let the bytes reach the socket before the reset (an abort drops what is still queued).
            await Task.Delay(TimeSpan.FromMilliseconds(200), cancellationToken);
            ctx.Abort();
            throw new IOException("Connection cut by an injected fault.");
        }
    }

    public override Task WriteAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        WriteAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();
}
