using System.Net;
using System.Text.Json;
using Cds.EpicSandbox.Conformance;
using Xunit;
using Xunit.Sdk;

namespace Cds.Testing;

/// <summary>
/// The one check every test that reads a hook answer or the discovery document goes through: the body must pass the
/// CDS Hooks 2.0 schema (infra/epic-sandbox/Cds.EpicSandbox/Conformance), not only our model. A failure lists each
/// violation with its JSON pointer and the requirement it breaks. The sandbox's <c>EpicHookDriver</c> runs the same
/// check on every answer it receives; this is for answers read without the driver.
/// </summary>
public static class CdsHooksAssert
{
    /// <summary>Fails unless <paramref name="json"/> is a valid CDS Hooks 2.0 service response.</summary>
    public static void ValidResponse(string json) => Valid(CdsHooksDocument.Response, json);

    /// <summary>Fails unless <paramref name="json"/> is a valid CDS Hooks 2.0 discovery document.</summary>
    public static void ValidDiscovery(string json) => Valid(CdsHooksDocument.Discovery, json);

    /// <summary>Asserts 200, checks the body against the response schema and returns it parsed.</summary>
    public static async Task<JsonDocument> ReadResponseAsync(HttpResponseMessage response) =>
        await ReadAsync(response, CdsHooksDocument.Response);

    /// <summary>Asserts 200, checks the body against the discovery schema and returns it parsed.</summary>
    public static async Task<JsonDocument> ReadDiscoveryAsync(HttpResponseMessage response) =>
        await ReadAsync(response, CdsHooksDocument.Discovery);

    /// <summary>The violations (empty = valid), for tests that expect some.</summary>
    public static IReadOnlyList<SchemaViolation> Violations(CdsHooksDocument document, string json) => CdsHooksSchema.Validate(document, json);

    private static void Valid(CdsHooksDocument document, string json)
    {
        var violations = CdsHooksSchema.Validate(document, json);
        if (violations.Count > 0)
        {
            throw new XunitException(CdsHooksSchema.Summary(document, violations) + Environment.NewLine + "body: " + Truncate(json));
        }
    }

    private static async Task<JsonDocument> ReadAsync(HttpResponseMessage response, CdsHooksDocument document)
    {
        ArgumentNullException.ThrowIfNull(response);
        var body = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.OK, $"expected 200, got {(int)response.StatusCode}: {Truncate(body)}");
        Valid(document, body);
        return JsonDocument.Parse(body);
    }

    private static string Truncate(string text) => text.Length <= 2000 ? text : text[..2000] + "…";
}
