using System.Collections.Concurrent;
using System.Net;
using System.Text;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.IdentityModel.Tokens;

namespace Cds.EpicSandbox;

/// <summary>
/// Epic's role in front of the clinician: a chart page that shows a hook's cards, and what Epic does when a SMART
/// link is clicked — mint a launch token for the chart's patient, encounter and user with the link's
/// <c>appContext</c>, and open the link's URL with <c>launch</c> and <c>iss</c>. Only links of shown cards are launched.
/// <list type="bullet">
/// <item><c>POST /_sandbox/ehr/cards</c> <c>{ patient, encounter?, user?, response: {cards} }</c> → <c>{ url }</c> of the chart page</item>
/// <item><c>GET /_sandbox/ehr/{id}</c> the page; <c>POST /_sandbox/ehr/{id}/launch</c> (form <c>card</c>, <c>link</c>) the click</item>
/// </list>
/// </summary>
internal sealed class EhrDemo(EpicSandboxServer server)
{
    private sealed record ChartView(LaunchContext Context, JsonArray Cards);

    private readonly ConcurrentDictionary<string, ChartView> _views = new(StringComparer.Ordinal);

    public void Clear() => _views.Clear();

    /// <summary>Shows <paramref name="response"/>'s cards in a chart of <paramref name="patient"/>; returns the page's path.</summary>
    public string Show(string patient, string? encounter, string? user, JsonObject response)
    {
        var id = Base64UrlEncoder.Encode(System.Security.Cryptography.RandomNumberGenerator.GetBytes(12));
        var cards = response["cards"] as JsonArray ?? [];
        _views[id] = new ChartView(new LaunchContext(patient, encounter, user ?? "Practitioner/" + SandboxPatients.PractitionerId, null), (JsonArray)cards.DeepClone());
        return $"_sandbox/ehr/{id}";
    }

    public void Map(WebApplication app)
    {
        app.MapPost("/_sandbox/ehr/cards", async (HttpContext ctx) =>
        {
            var body = await JsonNode.ParseAsync(ctx.Request.Body, cancellationToken: ctx.RequestAborted) as JsonObject;
            var patient = (string?)body?["patient"];
            if (body?["response"] is not JsonObject response || string.IsNullOrEmpty(patient))
            {
                return Results.BadRequest(new { error = "send { patient, encounter?, user?, response: { cards: [...] } }" });
            }

            return Results.Json(new { url = new Uri(server.BaseUrl, Show(patient, (string?)body["encounter"], (string?)body["user"], response)) });
        });
        app.MapGet("/_sandbox/ehr/{id}", (string id, HttpContext ctx) =>
            _views.TryGetValue(id, out var view) ? SmartAuthorization.Html(ctx, 200, "Chart", Page(id, view)) : SmartAuthorization.Html(ctx, 404, "No such chart", ""));
        app.MapPost("/_sandbox/ehr/{id}/launch", async (string id, HttpContext ctx) =>
        {
            var form = await ctx.Request.ReadFormAsync(ctx.RequestAborted);
            if (!_views.TryGetValue(id, out var view) || !int.TryParse(form["card"], out var c) || !int.TryParse(form["link"], out var l)
                || view.Cards.ElementAtOrDefault(c)?["links"]?.AsArray().ElementAtOrDefault(l) is not JsonObject link || (string?)link["type"] != "smart"
                || !Uri.TryCreate((string?)link["url"], UriKind.Absolute, out var url))
            {
                await SmartAuthorization.Html(ctx, 400, "Cannot launch", "<p>No such SMART link on this chart.</p>");
                return;
            }

            var launch = server.MintLaunchToken(view.Context with { AppContext = (string?)link["appContext"] });
            var target = url + (url.Query.Length > 0 ? "&" : "?") + "launch=" + Uri.EscapeDataString(launch) + "&iss=" + Uri.EscapeDataString(server.FhirBaseUrl.ToString());
            ctx.Response.Redirect(target);
        });
    }

    private string Page(string id, ChartView view)
    {
        var html = new StringBuilder();
        var patient = server.Store.Get("Patient", view.Context.Patient) is Hl7.Fhir.Model.Patient p && p.Name.FirstOrDefault() is { } n
            ? $"{string.Join(' ', n.Given)} {n.Family}".Trim() : view.Context.Patient;
        html.Append("<p>Patient: <b id=patient>").Append(E(patient)).Append("</b></p>");
        for (var c = 0; c < view.Cards.Count; c++)
        {
            var card = view.Cards[c]!;
            html.Append("<section class=card data-indicator=\"").Append(E((string?)card["indicator"])).Append("\" style=\"border:1px solid #888;padding:.5rem 1rem;margin:1rem 0\">")
                .Append("<h2>").Append(E((string?)card["summary"])).Append("</h2><p>").Append(E((string?)card["source"]?["label"])).Append("</p>");
            var links = card["links"] as JsonArray ?? [];
            for (var l = 0; l < links.Count; l++)
            {
                var link = links[l]!;
                if ((string?)link["type"] == "smart")
                {
                    html.Append("<form method=post action=\"/_sandbox/ehr/").Append(E(id)).Append("/launch\"><input type=hidden name=card value=").Append(c)
                        .Append("><input type=hidden name=link value=").Append(l).Append("><button type=submit class=smart-link>").Append(E((string?)link["label"])).Append("</button></form>");
                }
                else
                {
                    html.Append("<p><a href=\"").Append(E((string?)link["url"])).Append("\">").Append(E((string?)link["label"])).Append("</a></p>");
                }
            }

            html.Append("</section>");
        }

        return html.ToString();
    }

    private static string E(string? text) => WebUtility.HtmlEncode(text ?? "");
}
