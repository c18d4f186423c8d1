using System.Diagnostics;
using System.Globalization;
using System.Net.Sockets;
using System.Text;

namespace Cds.Platform.Tests;

/// <summary>What a raw HTTP/1.1 exchange ended with: a response (status, headers, body) and/or the connection closing.</summary>
public sealed record RawOutcome(int? Status, IReadOnlyDictionary<string, string> Headers, string Body, bool Closed, TimeSpan? AnsweredAfter, TimeSpan Elapsed)
{
    public override string ToString() =>
        $"{(Status is { } s ? s.ToString(CultureInfo.InvariantCulture) : "no response")}{(AnsweredAfter is { } a ? $" after {a.TotalSeconds:0.0} s" : "")}{(Closed ? ", closed" : ", still open")} at {Elapsed.TotalSeconds:0.0} s: {Body}";
}

/// <summary>
/// HTTP/1.1 by hand over a TCP socket, for what HttpClient cannot do: stop halfway through the headers or the body and
/// go silent, or keep uploading while reading the answer.
/// </summary>
public sealed class RawHttp : IAsyncDisposable
{
    private readonly TcpClient _tcp = new() { NoDelay = true };
    private readonly Stopwatch _clock = Stopwatch.StartNew();
    private NetworkStream _stream = null!;

    public static async Task<RawHttp> ConnectAsync(Uri server)
    {
        var raw = new RawHttp();
        await raw._tcp.ConnectAsync(server.Host, server.Port);
        raw._stream = raw._tcp.GetStream();
        return raw;
    }

    public Task SendAsync(string text) => SendAsync(Encoding.ASCII.GetBytes(text));

    public async Task SendAsync(ReadOnlyMemory<byte> bytes)
    {
        await _stream.WriteAsync(bytes);
        await _stream.FlushAsync();
    }

    /// <summary>Head of a POST with the given headers (CRLF-separated, no trailing blank line added by the caller).</summary>
    public static string Head(string method, string path, params string[] headers) =>
        $"{method} {path} HTTP/1.1\r\nHost: localhost\r\n" + string.Concat(headers.Select(h => h + "\r\n")) + "\r\n";

    /// <summary>
    /// Reads one response (headers and Content-Length body) and, unless <paramref name="untilClosed"/> is false, waits
    /// for the connection to close; gives up after <paramref name="guard"/> (a failure guard, not a measurement).
    /// </summary>
    public async Task<RawOutcome> ReadAsync(TimeSpan guard, bool untilClosed = true)
    {
        using var cts = new CancellationTokenSource(guard);
        var received = new MemoryStream();
        var buffer = new byte[64 * 1024];
        int? status = null;
        var headers = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        string? body = null;
        var closed = false;
        int start = 0, length = 0;
        TimeSpan? answered = null;
        try
        {
            while (true)
            {
                int read;
                try
                {
                    read = await _stream.ReadAsync(buffer, cts.Token);
                }
                catch (IOException)
                {
                    closed = true; // reset
                    break;
                }
                if (read == 0)
                {
                    closed = true;
                    break;
                }
                received.Write(buffer, 0, read);
                if (status is null && TryParseHead(received.ToArray(), out var s, headers, out var bodyStart))
                {
                    status = s;
                    answered = _clock.Elapsed;
                    start = bodyStart;
                    length = headers.TryGetValue("Content-Length", out var cl) ? int.Parse(cl, CultureInfo.InvariantCulture) : 0;
                }
                if (status is not null && body is null && received.Length >= start + length)
                {
                    body = Encoding.UTF8.GetString(received.GetBuffer(), start, length);
                    if (!untilClosed)
                    {
                        break;
                    }
                }
            }
        }
        catch (OperationCanceledException)
        {
            // the guard: the connection is still open
        }
        return new RawOutcome(status, headers, body ?? "", closed, answered, _clock.Elapsed);
    }

    private static bool TryParseHead(byte[] data, out int status, Dictionary<string, string> headers, out int bodyStart)
    {
        status = 0;
        bodyStart = 0;
        var text = Encoding.ASCII.GetString(data);
        var end = text.IndexOf("\r\n\r\n", StringComparison.Ordinal);
        if (end < 0)
        {
            return false;
        }
        var lines = text[..end].Split("\r\n");
        status = int.Parse(lines[0].Split(' ')[1], CultureInfo.InvariantCulture);
        foreach (var line in lines.Skip(1))
        {
            var colon = line.IndexOf(':', StringComparison.Ordinal);
            headers[line[..colon].Trim()] = line[(colon + 1)..].Trim();
        }
        bodyStart = end + 4;
        return true;
    }

    public ValueTask DisposeAsync()
    {
        _tcp.Dispose();
        return ValueTask.CompletedTask;
    }
}
