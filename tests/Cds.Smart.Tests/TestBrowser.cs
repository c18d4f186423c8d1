using System.Net;
using System.Text.Json.Nodes;
using Cds.Contracts;

namespace Cds.Smart.Tests;

/// <summary>
/// A browser for HTTP-level tests: follows redirects itself and keeps cookies per host and port (Secure cookies too,
/// over loopback http, as Chromium does), and remembers every page body and <c>Set-Cookie</c> it saw.
/// </summary>
public sealed class TestBrowser : IDisposable
{
    private readonly HttpClient _http = new(new SocketsHttpHandler { AllowAutoRedirect = false, UseCookies = false }) { Timeout = TimeSpan.FromSeconds(30) };
    private readonly Dictionary<string, Dictionary<string, string>> _cookies = new(StringComparer.Ordinal);

    public List<string> Bodies { get; } = [];
    public List<string> SetCookies { get; } = [];
    public List<Uri> Visited { get; } = [];

    public async Task<(HttpStatusCode Status, string Body, Uri Url)> SendAsync(HttpMethod method, Uri url, HttpContent? content = null)
    {
        using var request = new HttpRequestMessage(method, url) { Content = content };
        if (_cookies.TryGetValue(url.Authority, out var jar) && jar.Count > 0)
        {
            request.Headers.Add("Cookie", string.Join("; ", jar.Select(c => $"{c.Key}={c.Value}")));
        }
        using var response = await _http.SendAsync(request);
        Visited.Add(url);
        if (response.Headers.TryGetValues("Set-Cookie", out var setCookies))
        {
            foreach (var header in setCookies)
            {
                SetCookies.Add(header);
                var pair = header.Split(';')[0].Split('=', 2);
                jar = _cookies.TryGetValue(url.Authority, out var j) ? j : _cookies[url.Authority] = new(StringComparer.Ordinal);
                if (pair[1].Length == 0 || header.Contains("expires=Thu, 01 Jan 1970", StringComparison.OrdinalIgnoreCase))
                {
                    jar.Remove(pair[0]);
                }
                else
                {
                    jar[pair[0]] = pair[1];
                }
            }
        }
        var body = await response.Content.ReadAsStringAsync();
        Bodies.Add(body);
        if (response.StatusCode is HttpStatusCode.Redirect or HttpStatusCode.Found or HttpStatusCode.SeeOther or HttpStatusCode.TemporaryRedirect)
        {
            return (response.StatusCode, body, new Uri(url, response.Headers.Location!));
        }
        return (response.StatusCode, body, url);
    }

    /// <summary>Follows redirects from <paramref name="url"/> until a page answers, or until <paramref name="stopAt"/> says to stop before a hop.</summary>
    public async Task<(HttpStatusCode Status, string Body, Uri Url)> FollowAsync(Uri url, HttpMethod? method = null, HttpContent? content = null, Func<Uri, bool>? stopAt = null)
    {
        var result = await SendAsync(method ?? HttpMethod.Get, url, content);
        for (var hops = 0; (int)result.Status is 301 or 302 or 303 or 307 && hops < 10; hops++)
        {
            if (stopAt?.Invoke(result.Url) == true)
            {
                return result;
            }
            result = await SendAsync(HttpMethod.Get, result.Url);
        }
        return result;
    }

    /// <summary>Epic's part: the chart with <paramref name="card"/>, the click on its SMART link, and every hop up to the app's callback (when <paramref name="stopAtCallback"/>) or the page.</summary>
    public async Task<(HttpStatusCode Status, string Body, Uri Url)> EhrLaunchAsync(SmartFixture f, string patient, Card card, bool stopAtCallback = false, Uri? app = null)
    {
        var chart = await ShowChartAsync(f, patient, card);
        var result = await FollowAsync(new Uri(chart, chart.AbsolutePath + "/launch"), HttpMethod.Post,
            new FormUrlEncodedContent([new("card", "0"), new("link", "0")]), stopAt: u => stopAtCallback && u.AbsolutePath == "/smart/callback");
        return await ContinueAsync(result, stopAtCallback);
    }

    /// <summary>After the callback's "continue" page, the same-site step to the card page.</summary>
    public async Task<(HttpStatusCode Status, string Body, Uri Url)> ContinueAsync((HttpStatusCode Status, string Body, Uri Url) result, bool stop = false) =>
        !stop && result.Status == HttpStatusCode.OK && result.Body.Contains("id=continue", StringComparison.Ordinal)
            ? await FollowAsync(new Uri(result.Url, "/smart/card"))
            : result;

    public static async Task<Uri> ShowChartAsync(SmartFixture f, string patient, Card card)
    {
        using var http = new HttpClient();
        var response = new JsonObject { ["cards"] = JsonNode.Parse(System.Text.Json.JsonSerializer.Serialize(new[] { card }, CdsJson.Options)) };
        using var posted = await http.PostAsync(new Uri(f.Sandbox.BaseUrl, "_sandbox/ehr/cards"),
            new StringContent(new JsonObject { ["patient"] = patient, ["response"] = response }.ToJsonString(), System.Text.Encoding.UTF8, "application/json"));
        posted.EnsureSuccessStatusCode();
        return new Uri((string)JsonNode.Parse(await posted.Content.ReadAsStringAsync())!["url"]!);
    }

    public void Dispose() => _http.Dispose();
}
