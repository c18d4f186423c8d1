using System.Net;
using System.Text.Json;
using System.Text.Json.Nodes;
using Cds.Contracts;
using Cds.EpicSandbox;

namespace Cds.Smart.Tests;

/// <summary>The sandbox's <see cref="EhrBrowser"/> with the fixture's sandbox and a <see cref="Card"/>.</summary>
internal static class EhrBrowserExtensions
{
    public static JsonObject Response(Card card) =>
        new() { ["cards"] = JsonNode.Parse(JsonSerializer.Serialize(new[] { card }, CdsJson.Options)) };

    public static Task<(HttpStatusCode Status, string Body, Uri Url)> EhrLaunchAsync(this EhrBrowser browser, SmartFixture f, string patient, Card card, bool stopAtCallback = false) =>
        browser.EhrLaunchAsync(f.Sandbox.BaseUrl, patient, Response(card), stopAtCallback);
}
