using System.Text.Json.Nodes;

namespace Cds.EpicSandbox;

/// <summary>The Epic side of <see cref="EpicHookDriver"/> for a sandbox in another process (e.g. `serve`): data and tokens from its /_sandbox/hooks endpoints.</summary>
internal sealed class RemoteEpic(Uri baseUrl, HttpClient http) : IEpicSide
{
    public Uri FhirBaseUrl => new(baseUrl, EpicSandboxServer.FhirPath);

    public Uri HookJwksUrl => new(baseUrl, EpicSandboxServer.HookJwksPath);

    public HookKeys Keys { get; } = new();

    public JsonObject MintFhirAuthorization() => Send(HttpMethod.Post, "_sandbox/hooks/fhir-authorization")!.AsObject();

    public JsonObject Prefetch(string patientId, string userId, IReadOnlyList<string> keys) =>
        Send(HttpMethod.Get, $"_sandbox/hooks/prefetch?patient={Uri.EscapeDataString(patientId)}&user={Uri.EscapeDataString(userId)}&keys={Uri.EscapeDataString(string.Join(',', keys))}")!.AsObject();

    public string? LatestEncounterId(string patientId) =>
        (string?)Send(HttpMethod.Get, $"_sandbox/hooks/encounter?patient={Uri.EscapeDataString(patientId)}")?["encounterId"];

    private JsonNode? Send(HttpMethod method, string path)
    {
        using var response = http.Send(new HttpRequestMessage(method, new Uri(baseUrl, path)));
        response.EnsureSuccessStatusCode();
        using var reader = new StreamReader(response.Content.ReadAsStream());
        return JsonNode.Parse(reader.ReadToEnd());
    }
}
