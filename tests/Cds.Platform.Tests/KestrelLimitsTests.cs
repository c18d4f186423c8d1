using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using Cds.EpicSandbox;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.DependencyInjection;

namespace Cds.Platform.Tests;

/// <summary>The platform with the hooks service on real Kestrel (loopback, a free port): what TestServer never exercises.</summary>
public sealed class KestrelPlatformFixture : PlatformFixture
{
    public const string AllowedOrigin = "https://sandbox.cds-hooks.org";

    /// <summary>Where Kestrel listens (http://127.0.0.1:port/).</summary>
    public Uri Address { get; private set; } = null!;

    protected override IReadOnlyDictionary<string, string> HookSettings => new Dictionary<string, string>
    {
        ["Hooks:CorsOrigins:0"] = AllowedOrigin,
    };

    protected override void StartHooks()
    {
        Hooks.UseKestrel(o => o.Listen(IPAddress.Loopback, 0));
        Hooks.StartServer();
        var addresses = Hooks.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses;
        Address = new Uri(addresses.First().TrimEnd('/') + "/");
    }

    public HttpClient Client() => new() { BaseAddress = Address, Timeout = TimeSpan.FromSeconds(60) };

    /// <summary>A driver calling Kestrel; the JWT's aud stays the configured one (the URL Epic was given), not the loopback port.</summary>
    public EpicHookDriver KestrelDriver() =>
        new(Sandbox, new Uri(Address, "cds-services/"), Client()) { Audience = "http://localhost/cds-services" };

    public string Bearer() => "Authorization: Bearer " + KestrelDriver().SignHookJwt("http://localhost/cds-services");
}

/// <summary>
/// Stalled and oversized callers and refused methods, on real Kestrel over raw sockets and HttpClient (issue 14, items
/// 4–6). Time bounds are failure guards against a connection held for good, not performance claims.
/// </summary>
public sealed class KestrelLimitsTests(KestrelPlatformFixture platform) : IClassFixture<KestrelPlatformFixture>
{
    private const string ServicePath = "/cds-services/cds-patient-view";
    private static readonly TimeSpan Guard = TimeSpan.FromSeconds(25);
    private static readonly TimeSpan FewSeconds = TimeSpan.FromSeconds(8);

    [Theory]
    [InlineData(ServicePath)]
    [InlineData(ServicePath + "/feedback")]
    public async Task Half_a_body_then_silence_is_answered_408_within_a_few_seconds_while_a_normal_hook_is_answered(string path)
    {
        var driver = platform.KestrelDriver();
        // A real hook padded to 64 KB: half of it is far more than any minimum data rate needs to look alive.
        var body = Encoding.UTF8.GetBytes(driver.BuildPatientView(SandboxPatients.NoData).ToJsonString().PadRight(64 * 1024));
        await using var stalled = await RawHttp.ConnectAsync(platform.Address);
        await stalled.SendAsync(RawHttp.Head("POST", path, platform.Bearer(), "Content-Type: application/json",
            $"Content-Length: {body.Length}"));
        await stalled.SendAsync(body.AsMemory(0, body.Length / 2));
        var outcome = stalled.ReadAsync(Guard);

        using (var normal = await driver.SendAsync("cds-patient-view", driver.BuildPatientView(SandboxPatients.Type2DiabeticHighA1c)))
        {
            Assert.Equal(HttpStatusCode.OK, normal.StatusCode);
        }

        var ended = await outcome;
        Assert.True(ended.Status == 408 && ended.AnsweredAfter < FewSeconds, $"stalled body: {ended}");
        AssertOutcome(ended);
        Assert.True(ended.Closed, $"the connection of a dead body is closed: {ended}");
    }

    [Fact]
    public async Task A_call_still_unanswered_after_the_request_timeout_is_408_with_an_OperationOutcome()
    {
        // The backstop behind the body timeout: here the body timeout is out of the way and the request timeout short
        // (through the derived factory's own client: the request-timeouts middleware is the same on either server).
        await using var hurried = platform.Hooks.WithWebHostBuilder(b => b
            .UseSetting("Hooks:Deadline", "00:00:00.500")
            .UseSetting("Hooks:Transport:RequestTimeout", "00:00:01")
            .UseSetting("Hooks:Transport:BodyTimeout", "00:01:00")
            .UseSetting("Hooks:Transport:MinRequestBodyBytesPerSecond", "1"));
        using var client = hurried.CreateDefaultClient(); // no redirect handler: it would buffer the body first
        using var guard = new CancellationTokenSource(Guard); // also ends the stalled body, whatever happens
        using var request = new HttpRequestMessage(HttpMethod.Post, ServicePath) { Content = new StallingContent("{\"hook\":", guard.Token) };
        request.Content.Headers.ContentType = new MediaTypeHeaderValue("application/json");
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", platform.KestrelDriver().SignHookJwt("http://localhost/cds-services"));
        using var response = await client.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, guard.Token);
        Assert.Equal(HttpStatusCode.RequestTimeout, response.StatusCode);
        await AssertOutcome(response);
    }

    /// <summary>A request body that sends its start and then nothing until released.</summary>
    private sealed class StallingContent(string start, CancellationToken release) : HttpContent
    {
        protected override async Task SerializeToStreamAsync(Stream stream, System.Net.TransportContext? context)
        {
            await stream.WriteAsync(Encoding.UTF8.GetBytes(start), release);
            await stream.FlushAsync(release);
            await Task.Delay(Timeout.Infinite, release);
        }

        protected override bool TryComputeLength(out long length)
        {
            length = 0;
            return false;
        }
    }

    [Fact]
    public async Task Headers_that_never_finish_are_closed_within_a_few_seconds_while_a_normal_hook_is_answered()
    {
        await using var stalled = await RawHttp.ConnectAsync(platform.Address);
        await stalled.SendAsync($"POST {ServicePath} HTTP/1.1\r\nHost: localhost\r\n{platform.Bearer()}\r\nContent-Ty");
        var outcome = stalled.ReadAsync(Guard);

        var driver = platform.KestrelDriver();
        using (var normal = await driver.SendAsync("cds-patient-view", driver.BuildPatientView(SandboxPatients.NoData)))
        {
            Assert.Equal(HttpStatusCode.OK, normal.StatusCode);
        }

        var ended = await outcome;
        Assert.True(ended.Closed && ended.Elapsed < FewSeconds, $"stalled headers: {ended}");
        Assert.True(ended.Status is null or 408, $"stalled headers: {ended}");
    }

    [Fact]
    public async Task A_Content_Length_over_the_limit_is_413_with_an_OperationOutcome_before_any_body_is_sent()
    {
        await using var raw = await RawHttp.ConnectAsync(platform.Address);
        await raw.SendAsync(RawHttp.Head("POST", ServicePath, platform.Bearer(), "Content-Type: application/json",
            "Content-Length: 20000000")); // over 8 MiB, under Kestrel's own default limit: only our check refuses it
        var ended = await raw.ReadAsync(Guard, untilClosed: false);
        Assert.True(ended.Status == 413, $"no body sent: {ended}");
        AssertOutcome(ended);
    }

    [Fact]
    public async Task A_client_that_keeps_uploading_32_MB_reads_the_413_and_is_not_reset()
    {
        const int size = 32 * 1024 * 1024;
        await using var raw = await RawHttp.ConnectAsync(platform.Address);
        await raw.SendAsync(RawHttp.Head("POST", ServicePath, platform.Bearer(), "Content-Type: application/json",
            $"Content-Length: {size}"));
        var answer = raw.ReadAsync(Guard, untilClosed: false);
        var upload = UploadAsync(raw, size, chunked: false);

        var ended = await answer;
        Assert.True(ended.Status == 413, $"32 MB upload: {ended}");
        AssertOutcome(ended);
        Assert.Null(await upload); // every byte was accepted (drained), none refused by a reset
    }

    [Fact]
    public async Task A_chunked_body_over_the_limit_is_cut_with_a_413_not_a_reset()
    {
        const int size = 40 * 1024 * 1024; // past Kestrel's default 30 MB limit too
        await using var raw = await RawHttp.ConnectAsync(platform.Address);
        await raw.SendAsync(RawHttp.Head("POST", ServicePath, platform.Bearer(), "Content-Type: application/json",
            "Transfer-Encoding: chunked"));
        var answer = raw.ReadAsync(Guard, untilClosed: false);
        var upload = UploadAsync(raw, size, chunked: true);

        var ended = await answer;
        Assert.True(ended.Status == 413, $"chunked upload: {ended}");
        AssertOutcome(ended);
        Assert.Null(await upload);
    }

    [Fact]
    public async Task HttpClient_posting_32_MB_gets_the_413_OperationOutcome()
    {
        using var client = platform.Client();
        using var request = new HttpRequestMessage(HttpMethod.Post, ServicePath)
        {
            Content = new ByteArrayContent(new byte[32 * 1024 * 1024]),
        };
        request.Content.Headers.ContentType = new MediaTypeHeaderValue("application/json");
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", platform.KestrelDriver().SignHookJwt("http://localhost/cds-services"));
        using var response = await client.SendAsync(request);
        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, response.StatusCode);
        await AssertOutcome(response);
    }

    public static TheoryData<string, string, string> RefusedMethods => new()
    {
        { "GET", ServicePath, "POST" },
        { "PUT", ServicePath, "POST" },
        { "DELETE", ServicePath, "POST" },
        { "PATCH", ServicePath, "POST" },
        { "OPTIONS", ServicePath, "POST" }, // not a CORS preflight
        { "GET", ServicePath + "/feedback", "POST" },
        { "PUT", ServicePath + "/feedback", "POST" },
        { "POST", "/cds-services", "GET" },
        { "DELETE", "/cds-services", "GET" },
    };

    [Theory]
    [MemberData(nameof(RefusedMethods))]
    public async Task Another_method_is_405_with_Allow_and_an_OperationOutcome(string method, string path, string allowed)
    {
        using var client = platform.Client();
        using var request = new HttpRequestMessage(new HttpMethod(method), path);
        if (method is "PUT" or "PATCH" or "POST")
        {
            request.Content = new StringContent("{}", Encoding.UTF8, "application/json");
        }
        using var response = await client.SendAsync(request);
        Assert.Equal(HttpStatusCode.MethodNotAllowed, response.StatusCode);
        Assert.Equal([allowed], response.Content.Headers.Allow);
        await AssertOutcome(response);
    }

    [Theory]
    [InlineData(ServicePath, "POST")]
    [InlineData(ServicePath + "/feedback", "POST")]
    public async Task HEAD_is_405_with_Allow_and_no_body(string path, string allowed)
    {
        using var client = platform.Client();
        using var response = await client.SendAsync(new HttpRequestMessage(HttpMethod.Head, path));
        Assert.Equal(HttpStatusCode.MethodNotAllowed, response.StatusCode);
        Assert.Equal([allowed], response.Content.Headers.Allow);
        Assert.Empty(await response.Content.ReadAsByteArrayAsync());
    }

    [Theory]
    [InlineData("GET", "/no-such-route")]
    [InlineData("POST", "/cds-services/cds-patient-view/feedback/extra")]
    public async Task An_unknown_route_is_404_with_an_OperationOutcome(string method, string path)
    {
        using var client = platform.Client();
        using var response = await client.SendAsync(new HttpRequestMessage(new HttpMethod(method), path));
        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
        await AssertOutcome(response);
    }

    [Fact]
    public async Task Discovery_and_allowed_CORS_preflights_keep_working()
    {
        using var client = platform.Client();
        using (var discovery = await client.GetAsync("/cds-services"))
        {
            Assert.Equal(HttpStatusCode.OK, discovery.StatusCode);
            using var doc = JsonDocument.Parse(await discovery.Content.ReadAsStringAsync());
            Assert.NotEmpty(doc.RootElement.GetProperty("services").EnumerateArray());
        }
        foreach (var path in new[] { ServicePath, ServicePath + "/feedback", "/cds-services" })
        {
            using var preflight = new HttpRequestMessage(HttpMethod.Options, path);
            preflight.Headers.Add("Origin", KestrelPlatformFixture.AllowedOrigin);
            preflight.Headers.Add("Access-Control-Request-Method", path == "/cds-services" ? "GET" : "POST");
            preflight.Headers.Add("Access-Control-Request-Headers", "authorization,content-type");
            using var response = await client.SendAsync(preflight);
            Assert.True(response.IsSuccessStatusCode, $"preflight {path}: {(int)response.StatusCode}");
            Assert.Equal([KestrelPlatformFixture.AllowedOrigin], response.Headers.GetValues("Access-Control-Allow-Origin"));
        }
    }

    /// <summary>Sends <paramref name="size"/> bytes of body (as chunks when <paramref name="chunked"/>); the error that cut it, or null.</summary>
    private static async Task<Exception?> UploadAsync(RawHttp raw, int size, bool chunked)
    {
        var block = new byte[64 * 1024];
        Array.Fill(block, (byte)' ');
        var chunkHead = Encoding.ASCII.GetBytes($"{block.Length:X}\r\n");
        var crlf = "\r\n"u8.ToArray();
        try
        {
            for (var sent = 0; sent < size; sent += block.Length)
            {
                if (chunked)
                {
                    await raw.SendAsync(chunkHead);
                }
                await raw.SendAsync(block);
                if (chunked)
                {
                    await raw.SendAsync(crlf);
                }
            }
            if (chunked)
            {
                await raw.SendAsync("0\r\n\r\n");
            }
            return null;
        }
        catch (IOException ex)
        {
            return ex;
        }
    }

    private static void AssertOutcome(RawOutcome outcome)
    {
        Assert.StartsWith("application/fhir+json", outcome.Headers.GetValueOrDefault("Content-Type", ""), StringComparison.Ordinal);
        using var doc = JsonDocument.Parse(outcome.Body);
        Assert.Equal("OperationOutcome", doc.RootElement.GetProperty("resourceType").GetString());
        Assert.NotEmpty(doc.RootElement.GetProperty("issue").EnumerateArray());
    }

    private static async Task AssertOutcome(HttpResponseMessage response)
    {
        Assert.Equal("application/fhir+json", response.Content.Headers.ContentType?.MediaType);
        using var doc = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        Assert.Equal("OperationOutcome", doc.RootElement.GetProperty("resourceType").GetString());
        Assert.NotEmpty(doc.RootElement.GetProperty("issue").EnumerateArray());
    }
}
