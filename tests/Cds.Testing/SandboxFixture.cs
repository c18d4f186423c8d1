using System.Net.Http.Headers;
using System.Text.Json.Nodes;
using Cds.EpicSandbox;
using Xunit;

namespace Cds.Testing;

/// <summary>
/// The Epic sandbox of one test class (real Kestrel on port 0) and an HTTP client to call it. A suite that needs other
/// sandbox settings (page size, token lifetime, no Synthea patients) derives a fixture that overrides <see cref="Settings"/>.
/// </summary>
public class SandboxFixture : IAsyncLifetime
{
    public EpicSandboxServer Sandbox { get; private set; } = null!;

    public HttpClient Http { get; } = new() { Timeout = TimeSpan.FromSeconds(30) };

    protected virtual SandboxSettings Settings => new();

    public async Task InitializeAsync() => Sandbox = await EpicSandboxServer.StartAsync(Settings);

    public async Task DisposeAsync()
    {
        Http.Dispose();
        await Sandbox.DisposeAsync();
    }

    /// <summary>A URL under the sandbox's FHIR base.</summary>
    public Uri Fhir(string relative) => new(Sandbox.FhirBaseUrl, relative);

    /// <summary>GETs <paramref name="relative"/> (or an absolute URL) with <paramref name="token"/> as bearer; the body parsed, null when empty.</summary>
    public async Task<(HttpResponseMessage Response, JsonNode? Body)> GetAsync(string relative, string? token)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, relative.StartsWith("http", StringComparison.Ordinal) ? new Uri(relative) : Fhir(relative));
        if (token is not null)
        {
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        }

        var response = await Http.SendAsync(request);
        var text = await response.Content.ReadAsStringAsync();
        return (response, text.Length == 0 ? null : JsonNode.Parse(text));
    }

    /// <summary>A token obtained through the real token endpoint with an RS384 client assertion.</summary>
    public async Task<string> TokenAsync(string scope = "system/Patient.read system/Observation.read system/Condition.read system/MedicationRequest.read system/DocumentReference.cruds system/Observation.c system/Immunization.read system/Group.read system/AllergyIntolerance.read system/Medication.read system/Encounter.read")
    {
        using var response = await Http.PostAsync(Sandbox.TokenEndpoint, ClientAssertions.TokenRequest(ClientAssertions.Create(Sandbox.TokenEndpoint), scope));
        var body = JsonNode.Parse(await response.Content.ReadAsStringAsync())!;
        Assert.True(response.IsSuccessStatusCode, body.ToJsonString());
        return (string)body["access_token"]!;
    }
}
