using System.Net;
using System.Text.Json.Nodes;

namespace Cds.Hooks.Tests.Security;

/// <summary>What every refused hook JWT gets: 401, <c>WWW-Authenticate: Bearer</c>, and an OperationOutcome with one
/// <c>login</c> issue that does not disclose which check failed.</summary>
internal static class Refusals
{
    public static async Task AssertUnauthorizedAsync(HttpResponseMessage response, string reason)
    {
        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        Assert.Equal("Bearer", Assert.Single(response.Headers.WwwAuthenticate).ToString());
        Assert.StartsWith("application/fhir+json", response.Content.Headers.ContentType?.ToString());
        var outcome = JsonNode.Parse(await response.Content.ReadAsStringAsync())!;
        Assert.Equal("OperationOutcome", (string?)outcome["resourceType"]);
        var issue = Assert.Single(outcome["issue"]!.AsArray())!;
        Assert.Equal("error", (string?)issue["severity"]);
        Assert.Equal("login", (string?)issue["code"]);
        Assert.DoesNotContain(reason, (string?)issue["diagnostics"] ?? "", StringComparison.OrdinalIgnoreCase);
    }
}
