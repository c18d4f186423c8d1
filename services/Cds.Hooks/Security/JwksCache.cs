using System.Collections.Concurrent;
using System.Net;
using Microsoft.Extensions.Options;
using Microsoft.IdentityModel.Tokens;

namespace Cds.Hooks.Security;

/// <summary>
/// JWKS per allow-listed jku: downloaded on first use through the named HttpClient (no redirects, timeout, size cap),
/// cached, downloaded again after JwksMaxAge, and on an unknown kid at most once per tenant refresh interval.
/// Callers must only pass jku values that are on a tenant's allowlist.
/// </summary>
internal sealed partial class JwksCache
{
    private sealed class Entry
    {
        public readonly SemaphoreSlim Gate = new(1, 1);
        public volatile JsonWebKeySet? Keys;
        public volatile bool LastAttemptFailed;
        private long _fetchedAtTicks;
        private long _lastAttemptTicks = DateTimeOffset.MinValue.UtcTicks;

        // Read outside the gate: 64-bit fields read and written atomically (a DateTimeOffset could tear).
        public DateTimeOffset FetchedAt
        {
            get => new(Interlocked.Read(ref _fetchedAtTicks), TimeSpan.Zero);
            set => Interlocked.Exchange(ref _fetchedAtTicks, value.UtcTicks);
        }

        public DateTimeOffset LastAttempt
        {
            get => new(Interlocked.Read(ref _lastAttemptTicks), TimeSpan.Zero);
            set => Interlocked.Exchange(ref _lastAttemptTicks, value.UtcTicks);
        }
    }

    private readonly ConcurrentDictionary<string, Entry> _entries = new(StringComparer.Ordinal);
    private readonly IHttpClientFactory _httpClientFactory;
    private readonly TimeProvider _time;
    private readonly ILogger<JwksCache> _logger;
    private readonly EpicJwtOptions _options;

    public JwksCache(IHttpClientFactory httpClientFactory, TimeProvider time, ILogger<JwksCache> logger, IOptionsMonitor<EpicJwtOptions> options)
    {
        _httpClientFactory = httpClientFactory;
        _time = time;
        _logger = logger;
        _options = options.Get(EpicJwtDefaults.AuthenticationScheme);
    }

    public async Task<JwksLookup> GetKeysAsync(string jku, string? kid, TimeSpan refreshInterval)
    {
        var entry = _entries.GetOrAdd(jku, static _ => new Entry());
        var now = _time.GetUtcNow();

        if (entry.Keys is null || now - entry.FetchedAt >= _options.JwksMaxAge)
        {
            var backoff = entry.LastAttemptFailed ? _options.JwksFailureBackoff : TimeSpan.Zero;
            await RefreshAsync(jku, entry, entry.LastAttempt, backoff).ConfigureAwait(false);
        }

        var keys = entry.Keys;
        if (keys is null)
        {
            return new([], AuthFailureReason.JwksUnavailable);
        }

        var matched = Match(keys, kid);
        if (matched.Count == 0 && kid is not null)
        {
            // Unknown kid: the organisation may have rotated its key. Download again, at most once per interval.
            await RefreshAsync(jku, entry, entry.LastAttempt, refreshInterval).ConfigureAwait(false);
            keys = entry.Keys ?? keys;
            matched = Match(keys, kid);
        }

        return matched.Count == 0 ? new([], AuthFailureReason.UnknownKid) : new(matched, null);
    }

    /// <summary>Keys whose kid equals the token's exactly (Epic kids are standard base64 with '+' and '='); all keys when the token has no kid.</summary>
    internal static IReadOnlyList<JsonWebKey> Match(JsonWebKeySet set, string? kid) =>
        set.Keys.Where(k => (k.Use is null || k.Use == "sig") && (kid is null || string.Equals(k.Kid, kid, StringComparison.Ordinal))).ToList();

    private async Task RefreshAsync(string jku, Entry entry, DateTimeOffset observedAttempt, TimeSpan minSinceLastAttempt)
    {
        await entry.Gate.WaitAsync().ConfigureAwait(false);
        try
        {
            // Somebody else downloaded while we waited, or the interval has not elapsed: nothing to do.
            if (entry.LastAttempt != observedAttempt || _time.GetUtcNow() - entry.LastAttempt < minSinceLastAttempt)
            {
                return;
            }

            entry.LastAttempt = _time.GetUtcNow();
            var fetched = await DownloadAsync(jku).ConfigureAwait(false);
            entry.LastAttemptFailed = fetched is null;
            if (fetched is not null)
            {
                entry.Keys = fetched;
                entry.FetchedAt = _time.GetUtcNow();
            }
            else if (entry.Keys is not null)
            {
                LogStaleJwksKept(_logger, jku);
            }
        }
        finally
        {
            entry.Gate.Release();
        }
    }

    private async Task<JsonWebKeySet?> DownloadAsync(string jku)
    {
        using var cts = new CancellationTokenSource(_options.JwksFetchTimeout);
        try
        {
            var client = _httpClientFactory.CreateClient(EpicJwtDefaults.JwksHttpClientName);
            using var request = new HttpRequestMessage(HttpMethod.Get, jku);
            request.Headers.Accept.ParseAdd("application/json");
            using var response = await client.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, cts.Token).ConfigureAwait(false);
            if (response.StatusCode != HttpStatusCode.OK)
            {
                LogJwksDownloadFailed(_logger, jku, $"HTTP {(int)response.StatusCode}");
                return null;
            }

            if (response.Content.Headers.ContentLength > _options.JwksMaxBytes)
            {
                LogJwksDownloadFailed(_logger, jku, "response larger than HookAuth:JwksMaxBytes");
                return null;
            }

            await using var stream = await response.Content.ReadAsStreamAsync(cts.Token).ConfigureAwait(false);
            var buffer = new byte[_options.JwksMaxBytes + 1];
            var total = 0;
            int read;
            while (total < buffer.Length && (read = await stream.ReadAsync(buffer.AsMemory(total), cts.Token).ConfigureAwait(false)) > 0)
            {
                total += read;
            }

            if (total > _options.JwksMaxBytes)
            {
                LogJwksDownloadFailed(_logger, jku, "response larger than HookAuth:JwksMaxBytes");
                return null;
            }

            var set = new JsonWebKeySet(System.Text.Encoding.UTF8.GetString(buffer, 0, total));
            if (set.Keys.Count == 0)
            {
                LogJwksDownloadFailed(_logger, jku, "document has no usable keys");
                return null;
            }

            LogJwksDownloaded(_logger, jku, set.Keys.Count);
            return set;
        }
        catch (OperationCanceledException)
        {
            LogJwksDownloadFailed(_logger, jku, "timeout");
            return null;
        }
        catch (HttpRequestException e)
        {
            LogJwksDownloadFailed(_logger, jku, $"connection error ({e.HttpRequestError})");
            return null;
        }
        catch (Exception e) when (e is ArgumentException or System.Text.Json.JsonException or InvalidOperationException)
        {
            LogJwksDownloadFailed(_logger, jku, "not a JWKS document");
            return null;
        }
    }

    [LoggerMessage(EventId = 4101, Level = LogLevel.Information, Message = "Downloaded JWKS from {Jku}: {KeyCount} key(s)")]
    private static partial void LogJwksDownloaded(ILogger logger, string jku, int keyCount);

    [LoggerMessage(EventId = 4102, Level = LogLevel.Warning, Message = "JWKS download from {Jku} failed: {Cause}")]
    private static partial void LogJwksDownloadFailed(ILogger logger, string jku, string cause);

    [LoggerMessage(EventId = 4103, Level = LogLevel.Warning, Message = "Keeping the previously downloaded JWKS of {Jku} after a failed refresh")]
    private static partial void LogStaleJwksKept(ILogger logger, string jku);
}
