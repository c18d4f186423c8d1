using System.Buffers;
using System.Net;
using System.Runtime.CompilerServices;

namespace Cds.Fhir.Bulk;

/// <summary>
/// A streamed NDJSON download: lines are cut from a pooled buffer as the bytes arrive (the file is never whole in
/// memory), and a break resumes from the last complete line. The content is never logged.
/// </summary>
internal sealed class NdjsonDownload(BulkExportClient owner, string tenant, Uri url, bool requiresAccessToken, NdjsonPosition resumeAt,
    Func<NdjsonDownloadEvent, ValueTask>? onEvent)
{
    private NdjsonPosition _position = resumeAt;
    private bool _broke;

    public async IAsyncEnumerable<NdjsonLine> ReadAllAsync([EnumeratorCancellation] CancellationToken ct)
    {
        var options = owner.Options(tenant);
        if (requiresAccessToken)
        {
            owner.EnsureTokenMayGoTo(tenant, url);
        }

        var buffer = ArrayPool<byte>.Shared.Rent(64 * 1024);
        try
        {
            for (var attempt = 1; ; attempt++)
            {
                var (stream, response, skipLines) = await OpenAsync(attempt, ct).ConfigureAwait(false);
                using (response)
                await using (stream)
                {
                    var filled = 0;
                    var broken = false;
                    while (true)
                    {
                        // Lines complete in the buffer go out first; then more bytes are read.
                        var start = 0;
                        int newline;
                        while ((newline = Array.IndexOf(buffer, (byte)'\n', start, filled - start)) >= 0)
                        {
                            var length = newline - start;
                            var lineBytes = length > 0 && buffer[newline - 1] == '\r' ? length - 1 : length;
                            var lineStart = start;
                            start = newline + 1;
                            if (Advance(lineBytes, length + 1, ref skipLines))
                            {
                                yield return new NdjsonLine(buffer.AsSpan(lineStart, lineBytes).ToArray(), _position);
                            }
                        }

                        if (start > 0)
                        {
                            Buffer.BlockCopy(buffer, start, buffer, 0, filled - start);
                            filled -= start;
                        }

                        if (filled == buffer.Length)
                        {
                            if (buffer.Length >= options.MaxLineBytes)
                            {
                                throw new BulkExportException(tenant, $"a line of a {TypeOf(url)} file is longer than {options.MaxLineBytes} bytes");
                            }

                            var larger = ArrayPool<byte>.Shared.Rent(Math.Min(buffer.Length * 2, options.MaxLineBytes));
                            Buffer.BlockCopy(buffer, 0, larger, 0, filled);
                            ArrayPool<byte>.Shared.Return(buffer);
                            buffer = larger;
                        }

                        var read = await ReadAsync(stream, buffer.AsMemory(filled), ct).ConfigureAwait(false);
                        if (read < 0)
                        {
                            broken = _broke = true;
                            break;
                        }

                        if (read == 0)
                        {
                            break;
                        }

                        owner.Metrics.Bytes(tenant, read);
                        filled += read;
                    }

                    if (!broken)
                    {
                        // End of file: a last line without its newline is still a line.
                        if (filled > 0)
                        {
                            var lineBytes = buffer[filled - 1] == '\r' ? filled - 1 : filled;
                            if (Advance(lineBytes, filled, ref skipLines))
                            {
                                yield return new NdjsonLine(buffer.AsSpan(0, lineBytes).ToArray(), _position);
                            }
                        }

                        yield break;
                    }
                }

                if (attempt >= options.MaxDownloadAttempts)
                {
                    throw new BulkExportException(tenant, $"a {TypeOf(url)} file broke off {attempt} times", retryable: true);
                }

                owner.Logger.LogBrokenDownload(tenant, TypeOf(url), _position.Lines, attempt);
                await Task.Delay(TimeSpan.FromMilliseconds(200 * attempt), owner.Time, ct).ConfigureAwait(false);
            }
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    /// <summary>Moves the position past one line; true when it is a line to hand out (not blank, not one to skip).</summary>
    private bool Advance(int lineBytes, int consumed, ref long skipLines)
    {
        var isLine = lineBytes > 0;
        _position = new NdjsonPosition(_position.Lines + (isLine ? 1 : 0), _position.Bytes + consumed);
        if (!isLine)
        {
            return false;
        }

        if (skipLines > 0)
        {
            skipLines--;
            return false;
        }

        return true;
    }

    /// <summary>Reads bytes; -1 when the connection broke (the caller resumes).</summary>
    private static async ValueTask<int> ReadAsync(Stream stream, Memory<byte> into, CancellationToken ct)
    {
        try
        {
            return await stream.ReadAsync(into, ct).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is IOException or HttpRequestException || (ex is OperationCanceledException && !ct.IsCancellationRequested))
        {
            return -1;
        }
    }

    private async Task<(Stream Stream, HttpResponseMessage Response, long SkipLines)> OpenAsync(int firstAttempt, CancellationToken ct)
    {
        var options = owner.Options(tenant);
        for (var attempt = firstAttempt; ; attempt++)
        {
            using var request = new HttpRequestMessage(HttpMethod.Get, url);
            request.Headers.Accept.ParseAdd("application/fhir+ndjson");
            if (_position.Bytes > 0)
            {
                // A server without ranges ignores the header and sends the whole file (200): the lines are then skipped.
                request.Headers.Range = new System.Net.Http.Headers.RangeHeaderValue(_position.Bytes, null);
            }

            var response = await SendFileRequestAsync(request, ct).ConfigureAwait(false);
            if (response is not null)
            {
                var status = (int)response.StatusCode;
                if (status == 206 && response.Content.Headers.ContentRange?.From == _position.Bytes)
                {
                    if (_position.Bytes > 0)
                    {
                        owner.Metrics.Resume(tenant, "range");
                        if (onEvent is not null)
                        {
                            await onEvent(new NdjsonDownloadEvent(NdjsonDownloadEventKind.ResumedWithRange, _position, attempt)).ConfigureAwait(false);
                        }
                    }

                    return (await response.Content.ReadAsStreamAsync(ct).ConfigureAwait(false), response, 0);
                }

                if (status == 200)
                {
                    var skip = _position.Lines;
                    // A resume: a break in this download, or lines imported by an earlier run (a break at byte 0 included).
                    if (_broke || _position.Bytes > 0)
                    {
                        owner.Metrics.Resume(tenant, "skip_lines");
                        if (onEvent is not null)
                        {
                            await onEvent(new NdjsonDownloadEvent(NdjsonDownloadEventKind.ResumedSkippingLines, _position, attempt)).ConfigureAwait(false);
                        }
                    }

                    // The whole file again: count from its start.
                    _position = NdjsonPosition.Start;
                    return (await response.Content.ReadAsStreamAsync(ct).ConfigureAwait(false), response, skip);
                }

                response.Dispose();
                if (status == 416 && _position.Bytes > 0)
                {
                    // Nothing after the last complete line: the file was complete.
                    return (Stream.Null, new HttpResponseMessage(HttpStatusCode.NoContent), 0);
                }

                if (!(BulkResponses.IsTransient(status) || status == 429))
                {
                    throw new BulkExportException(tenant, $"a {TypeOf(url)} file answered {status}", status, retryable: status == 404);
                }
            }

            if (attempt >= options.MaxDownloadAttempts)
            {
                throw new BulkExportException(tenant, $"a {TypeOf(url)} file could not be downloaded in {attempt} attempts", retryable: true);
            }

            await Task.Delay(TimeSpan.FromMilliseconds(500 * attempt), owner.Time, ct).ConfigureAwait(false);
        }
    }

    private async Task<HttpResponseMessage?> SendFileRequestAsync(HttpRequestMessage request, CancellationToken ct)
    {
        // Headers within the request timeout; the body then streams for as long as it takes.
        var http = owner.FileClient(tenant, requiresAccessToken);
        Http.FhirMeteringHandler.Describe(request, tenant, TypeOf(url));
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(ct);
        timeout.CancelAfter(owner.Options(tenant).RequestTimeout);
        try
        {
            var response = await http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, timeout.Token).ConfigureAwait(false);
            return response;
        }
        catch (HttpRequestException)
        {
            return null;
        }
        catch (OperationCanceledException) when (!ct.IsCancellationRequested)
        {
            return null;
        }
    }

    /// <summary>The resource type a file URL names (its last segment in Epic's and the sandbox's layout), never an id.</summary>
    private static string TypeOf(Uri url)
    {
        var last = url.Segments.Length > 0 ? url.Segments[^1].Trim('/') : "";
        return Hl7.Fhir.Model.ModelInfo.IsKnownResource(last) ? last : "export";
    }
}
