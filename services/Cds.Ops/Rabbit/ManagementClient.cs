using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization;
using Cds.ServiceDefaults;

namespace Cds.Ops.Rabbit;

/// <summary>
/// RabbitMQ's management HTTP API (<c>ConnectionStrings:RabbitMqManagement</c>, an http://user:pass@host:15672/ URI;
/// by default the AMQP host on port 15672 with the AMQP credentials).
/// </summary>
public sealed class ManagementClient : IDisposable
{
    private readonly HttpClient _http;

    public ManagementClient(Uri management, HttpMessageHandler? handler = null)
    {
        _http = handler is null ? new HttpClient() : new HttpClient(handler, disposeHandler: false);
        _http.BaseAddress = new Uri(management.GetLeftPart(UriPartial.Authority) + management.AbsolutePath.TrimEnd('/') + "/");
        _http.Timeout = TimeSpan.FromSeconds(15);
        var parts = management.UserInfo.Split(':', 2);
        if (parts[0].Length > 0)
        {
            var credential = $"{Uri.UnescapeDataString(parts[0])}:{Uri.UnescapeDataString(parts.ElementAtOrDefault(1) ?? "")}";
            _http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Basic", Convert.ToBase64String(Encoding.UTF8.GetBytes(credential)));
        }
    }

    public Uri BaseAddress => _http.BaseAddress!;

    /// <summary><c>ConnectionStrings:RabbitMqManagement</c>, else derived from <c>ConnectionStrings:RabbitMq</c>.</summary>
    public static Uri ResolveUri(IConfiguration configuration)
    {
        var raw = configuration.GetConnectionString("RabbitMqManagement");
        if (!string.IsNullOrWhiteSpace(raw))
        {
            if (!Uri.TryCreate(raw, UriKind.Absolute, out var explicitUri) || explicitUri.Scheme is not ("http" or "https"))
            {
                throw new InvalidOperationException("ConnectionStrings:RabbitMqManagement must be an http(s):// URI, e.g. http://user:pass@127.0.0.1:15672/");
            }
            return explicitUri;
        }
        var amqp = BusExtensions.RabbitMqUri(configuration);
        var builder = new UriBuilder("http", amqp.Host, 15672, "/");
        var parts = amqp.UserInfo.Split(':', 2);
        if (parts[0].Length > 0)
        {
            builder.UserName = parts[0];
            builder.Password = parts.ElementAtOrDefault(1) ?? "";
        }
        return builder.Uri;
    }

    public static ManagementClient FromConfiguration(IConfiguration configuration) => new(ResolveUri(configuration));

    public async Task<IReadOnlyList<QueueStatus>> ListQueuesAsync(string virtualHost, CancellationToken ct = default)
    {
        var raw = await GetAsync<List<RawQueue>>($"api/queues/{Escape(virtualHost)}", ct) ?? [];
        return raw.Select(q => q.ToStatus()).OrderBy(q => q.Name, StringComparer.Ordinal).ToList();
    }

    /// <summary>The queue, or null when it does not exist.</summary>
    public async Task<QueueStatus?> GetQueueAsync(string virtualHost, string queue, CancellationToken ct = default)
    {
        using var response = await _http.GetAsync($"api/queues/{Escape(virtualHost)}/{Escape(queue)}", ct);
        if (response.StatusCode == HttpStatusCode.NotFound)
        {
            return null;
        }
        await EnsureSuccessAsync(response, "read queue", ct);
        return (await response.Content.ReadFromJsonAsync<RawQueue>(ct))!.ToStatus();
    }

    /// <summary>
    /// Reads up to <paramref name="count"/> messages and lets the broker requeue them (<c>ack_requeue_true</c>):
    /// the queue keeps every message. Payloads are cut at <paramref name="truncate"/> bytes.
    /// </summary>
    public async Task<IReadOnlyList<PeekedMessage>> PeekAsync(string virtualHost, string queue, int count, int truncate = 4096, CancellationToken ct = default)
    {
        using var response = await _http.PostAsJsonAsync($"api/queues/{Escape(virtualHost)}/{Escape(queue)}/get",
            new { count, ackmode = "ack_requeue_true", encoding = "auto", truncate }, ct);
        await EnsureSuccessAsync(response, "peek queue", ct);
        var messages = await response.Content.ReadFromJsonAsync<List<RawMessage>>(ct) ?? [];
        return messages.Select((m, i) => new PeekedMessage(i + 1, m.PayloadBytes, m.Redelivered,
            Flatten(m.Properties?.Headers), Properties(m.Properties), m.Payload ?? "")).ToList();
    }

    public async Task PurgeAsync(string virtualHost, string queue, CancellationToken ct = default)
    {
        using var response = await _http.DeleteAsync($"api/queues/{Escape(virtualHost)}/{Escape(queue)}/contents", ct);
        await EnsureSuccessAsync(response, "purge queue", ct);
    }

    private async Task<T?> GetAsync<T>(string path, CancellationToken ct)
    {
        using var response = await _http.GetAsync(path, ct);
        await EnsureSuccessAsync(response, "list queues", ct);
        return await response.Content.ReadFromJsonAsync<T>(ct);
    }

    private static async Task EnsureSuccessAsync(HttpResponseMessage response, string what, CancellationToken ct)
    {
        if (response.IsSuccessStatusCode)
        {
            return;
        }
        var reason = "";
        try
        {
            using var doc = JsonDocument.Parse(await response.Content.ReadAsStringAsync(ct));
            reason = doc.RootElement.TryGetProperty("reason", out var r) ? $": {r}" : "";
        }
        catch (JsonException)
        {
        }
        throw new ManagementApiException($"RabbitMQ management API could not {what} ({(int)response.StatusCode} {response.ReasonPhrase}){reason}", response.StatusCode);
    }

    private static string Escape(string segment) => Uri.EscapeDataString(segment);

    private static Dictionary<string, string> Flatten(Dictionary<string, JsonElement>? headers) =>
        headers?.ToDictionary(h => h.Key, h => h.Value.ValueKind == JsonValueKind.String ? h.Value.GetString()! : h.Value.GetRawText(), StringComparer.Ordinal)
        ?? new Dictionary<string, string>(StringComparer.Ordinal);

    private static Dictionary<string, string> Properties(RawProperties? p)
    {
        var result = new Dictionary<string, string>(StringComparer.Ordinal);
        if (p is null)
        {
            return result;
        }
        void Add(string key, string? value)
        {
            if (!string.IsNullOrEmpty(value))
            {
                result[key] = value;
            }
        }
        Add("message_id", p.MessageId);
        Add("content_type", p.ContentType);
        Add("correlation_id", p.CorrelationId);
        Add("type", p.Type);
        Add("delivery_mode", p.DeliveryMode?.ToString(System.Globalization.CultureInfo.InvariantCulture));
        return result;
    }

    public void Dispose() => _http.Dispose();

    private sealed class RawQueue
    {
        [JsonPropertyName("name")] public string Name { get; set; } = "";
        [JsonPropertyName("vhost")] public string VirtualHost { get; set; } = "";
        [JsonPropertyName("messages")] public long? Messages { get; set; }
        [JsonPropertyName("messages_ready")] public long? Ready { get; set; }
        [JsonPropertyName("messages_unacknowledged")] public long? Unacknowledged { get; set; }
        [JsonPropertyName("consumers")] public int? Consumers { get; set; }
        [JsonPropertyName("type")] public string? Type { get; set; }
        [JsonPropertyName("state")] public string? State { get; set; }
        [JsonPropertyName("message_stats")] public RawStats? Stats { get; set; }

        public QueueStatus ToStatus() => new(Name, VirtualHost, Messages ?? 0, Ready ?? 0, Unacknowledged ?? 0, Consumers ?? 0,
            Stats?.PublishDetails?.Rate ?? 0, Stats?.DeliverGetDetails?.Rate ?? 0, Stats?.AckDetails?.Rate ?? 0,
            Type ?? "classic", State ?? "running");
    }

    private sealed class RawStats
    {
        [JsonPropertyName("publish_details")] public RawRate? PublishDetails { get; set; }
        [JsonPropertyName("deliver_get_details")] public RawRate? DeliverGetDetails { get; set; }
        [JsonPropertyName("ack_details")] public RawRate? AckDetails { get; set; }
    }

    private sealed class RawRate
    {
        [JsonPropertyName("rate")] public double Rate { get; set; }
    }

    private sealed class RawMessage
    {
        [JsonPropertyName("payload_bytes")] public long PayloadBytes { get; set; }
        [JsonPropertyName("redelivered")] public bool Redelivered { get; set; }
        [JsonPropertyName("payload")] public string? Payload { get; set; }
        [JsonPropertyName("properties")] public RawProperties? Properties { get; set; }
    }

    private sealed class RawProperties
    {
        [JsonPropertyName("message_id")] public string? MessageId { get; set; }
        [JsonPropertyName("content_type")] public string? ContentType { get; set; }
        [JsonPropertyName("correlation_id")] public string? CorrelationId { get; set; }
        [JsonPropertyName("type")] public string? Type { get; set; }
        [JsonPropertyName("delivery_mode")] public int? DeliveryMode { get; set; }
        [JsonPropertyName("headers")] public Dictionary<string, JsonElement>? Headers { get; set; }
    }
}
