using System.Net;
using System.Text;
using System.Text.Json.Nodes;

namespace Cds.EpicSandbox;

/// <summary>
/// The clinician's browser inside Epic, for the driver and for tests: shows a hook's cards on the sandbox's chart page,
/// clicks a SMART link and follows every redirect itself (launch → authorize → callback → page), keeping cookies per
/// host and port — Secure ones too over loopback http, as Chromium does — and remembering each page and <c>Set-Cookie</c>.
/// </summary>
public sealed class EhrBrowser : IDisposable
{
    private readonly HttpClient _http = new(new SocketsHttpHandler { AllowAutoRedirect = false, UseCookies = false }) { Timeout = TimeSpan.FromSeconds(30) };
    private readonly Dictionary<string, Dictionary<string, string>> _cookies = new(StringComparer.Ordinal);

    public List<string> Bodies { get; } = [];
    public List<string> SetCookies { get; } = [];
    public List<Uri> Visited { get; } = [];

    /// <summary>One request; a redirect answers with its target as <c>Url</c>.</summary>
    public async Task<(HttpStatusCode Status, string Body, Uri Url)> SendAsync(HttpMethod method, Uri url, HttpContent? content = null)
    {
        using var request = new HttpRequestMessage(method, url) { Content = content };
        if (_cookies.TryGetValue(url.Authority, out var jar) && jar.Count > 0)
        {
            request.Headers.Add("Cookie", string.Join("; ", jar.Select(c => $"{c.Key}={c.Value}")));
        }
        using var response = await _http.SendAsync(request);
        Visited.Add(url);
        foreach (var header in response.Headers.TryGetValues("Set-Cookie", out var values) ? values : [])
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
        var body = await response.Content.ReadAsStringAsync();
        Bodies.Add(body);
        return (int)response.StatusCode is 301 or 302 or 303 or 307
            ? (response.StatusCode, body, new Uri(url, response.Headers.Location!))
            : (response.StatusCode, body, url);
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

    /// <summary>Epic's part: the chart with <paramref name="cdsResponse"/>'s cards, the click on the first card's SMART link, then every hop to the page (or to the app's callback).</summary>
    public async Task<(HttpStatusCode Status, string Body, Uri Url)> EhrLaunchAsync(Uri sandboxBaseUrl, string patient, JsonObject cdsResponse, bool stopAtCallback = false)
    {
        var chart = await ShowChartAsync(sandboxBaseUrl, patient, cdsResponse);
        var link = cdsResponse["cards"]?[0]?["links"]?.AsArray().Select((l, i) => (l, i)).FirstOrDefault(x => (string?)x.l?["type"] == "smart").i ?? 0;
        var result = await FollowAsync(new Uri(chart, chart.AbsolutePath + "/launch"), HttpMethod.Post,
            new FormUrlEncodedContent([new("card", "0"), new("link", link.ToString(System.Globalization.CultureInfo.InvariantCulture))]),
            stopAt: u => stopAtCallback && u.AbsolutePath.EndsWith("/callback", StringComparison.Ordinal));
        return stopAtCallback ? result : await ContinueAsync(result);
    }

    /// <summary>After the app's "continue" page (a same-site step, so its SameSite=Strict cookie is sent), the page it names.</summary>
    public async Task<(HttpStatusCode Status, string Body, Uri Url)> ContinueAsync((HttpStatusCode Status, string Body, Uri Url) result)
    {
        var at = result.Body.IndexOf("id=continue href=\"", StringComparison.Ordinal);
        if (result.Status != HttpStatusCode.OK || at < 0)
        {
            return result;
        }
        var start = at + "id=continue href=\"".Length;
        return await FollowAsync(new Uri(result.Url, WebUtility.HtmlDecode(result.Body[start..result.Body.IndexOf('"', start)])));
    }

    /// <summary>Puts <paramref name="cdsResponse"/>'s cards on a chart page of <paramref name="patient"/> in the sandbox; returns the page.</summary>
    public async Task<Uri> ShowChartAsync(Uri sandboxBaseUrl, string patient, JsonObject cdsResponse)
    {
        var body = new JsonObject { ["patient"] = patient, ["response"] = cdsResponse.DeepClone() };
        using var posted = await _http.PostAsync(new Uri(sandboxBaseUrl, "_sandbox/ehr/cards"), new StringContent(body.ToJsonString(), Encoding.UTF8, "application/json"));
        posted.EnsureSuccessStatusCode();
        return new Uri((string)JsonNode.Parse(await posted.Content.ReadAsStringAsync())!["url"]!);
    }

    public void Dispose() => _http.Dispose();
}
