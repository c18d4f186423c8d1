using System.Text.Json;

namespace Cds.Fhir.Bulk;

/// <summary>How the Bulk Data client reads Epic's answers: transient statuses, Retry-After, X-Progress, OperationOutcome codes.</summary>
internal static class BulkResponses
{
    public static bool IsTransient(int status) => status is 408 or 500 or 502 or 503 or 504;

    /// <summary>Retry-After as a delay (seconds or a date, never negative); null when absent.</summary>
    public static TimeSpan? RetryAfter(HttpResponseMessage response, DateTimeOffset now)
    {
        var retryAfter = response.Headers.RetryAfter;
        var wait = retryAfter?.Delta ?? (retryAfter?.Date is { } date ? date - now : null);
        return wait is { } w && w < TimeSpan.Zero ? TimeSpan.Zero : wait;
    }

    public static TimeSpan Clamp(TimeSpan wait, TimeSpan max) => wait > max ? max : wait;

    /// <summary>Epic's X-Progress, kept short.</summary>
    public static string? Truncate(string? progress) => progress is null ? null : progress.Length <= 100 ? progress : progress[..100];

    /// <summary>The OperationOutcome's issue codes (never its text: it may echo the request).</summary>
    public static async Task<string> OutcomeCodesAsync(HttpResponseMessage response, CancellationToken ct)
    {
        try
        {
            var body = await response.Content.ReadAsByteArrayAsync(ct).ConfigureAwait(false);
            using var doc = JsonDocument.Parse(body);
            var codes = doc.RootElement.GetProperty("issue").EnumerateArray()
                .Select(i => i.TryGetProperty("code", out var c) ? c.GetString() : null).OfType<string>().ToList();
            return codes.Count == 0 ? "" : " (" + string.Join(", ", codes) + ")";
        }
        catch (Exception ex) when (ex is JsonException or KeyNotFoundException or InvalidOperationException)
        {
            return "";
        }
    }
}
