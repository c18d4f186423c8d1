using System.Net;
using Cds.Testing;
using Microsoft.Extensions.DependencyInjection;

namespace Cds.Hooks.Tests.Security;

/// <summary>JWKS caching: one download per jku, a key rotation picked up on an unknown kid at most once per interval.</summary>
/// <remarks>The cache's clock is a <see cref="ManualTimeProvider"/>: intervals pass without sleeping.</remarks>
public sealed class JwksRefreshTests : IAsyncLifetime
{
    private const string Path = "/interconnect-fhir-oauth/api/epic/2019/Security/Open/PublicKeys/530005/OAuth2";
    private static readonly TimeSpan Interval = TimeSpan.FromMinutes(5);
    private readonly ManualTimeProvider _clock = new();
    private readonly ReplaySchema _schema = new();
    private readonly TestKey _k1 = TestKey.Create("RS384");
    private readonly TestKey _k2 = TestKey.Create("RS384");
    private readonly TestKey _k3 = TestKey.Create("ES384");
    private JwksHost _org = null!;
    private HookAuthTestHost _host = null!;
    private string _issuer = "";
    private string _jku = "";

    public async Task InitializeAsync()
    {
        _org = await JwksHost.StartAsync();
        _issuer = _org.Url("/interconnect-fhir-oauth/api/FHIR/R4");
        _jku = _org.Publish(Path, TestKey.Jwks(_k1));
        _host = await HookAuthTestHost.StartAsync(new HookAuthSettings(_schema.Name)
            .Tenant("rotating", [_issuer], [_jku], refreshInterval: Interval).Build(),
            services => services.AddSingleton<TimeProvider>(_clock));
    }

    private string Sign(TestKey key) => new HookToken
    {
        Alg = key.Alg, Kid = key.Kid, Jku = _jku, Iss = _issuer + "/", Sub = HookAuthSettings.ClientId, Aud = HookAuthSettings.Audience,
    }.SignWith(key);

    [Fact]
    public async Task Caches_the_jwks_and_refreshes_on_an_unknown_kid_at_most_once_per_interval()
    {
        // First call downloads; the next ones use the cache.
        for (var i = 0; i < 3; i++)
        {
            Assert.Equal(HttpStatusCode.OK, (await _host.CallAsync(Sign(_k1))).StatusCode);
        }

        Assert.Equal(1, _org.RequestsTo(Path));

        // The organisation rotates to k2. Within the interval of the last download, an unknown kid does not download again.
        _org.Publish(Path, TestKey.Jwks(_k1, _k2));
        Assert.Equal(HttpStatusCode.Unauthorized, (await _host.CallAsync(Sign(_k2))).StatusCode);
        Assert.Equal(1, _org.RequestsTo(Path));

        // After the interval: exactly one download, even for a burst of concurrent calls with unknown kids.
        _clock.Advance(Interval);
        var burst = await Task.WhenAll(Enumerable.Range(0, 8).Select(_ => _host.CallAsync(Sign(_k2))));
        Assert.All(burst, r => Assert.Equal(HttpStatusCode.OK, r.StatusCode));
        Assert.Equal(2, _org.RequestsTo(Path));

        _clock.Advance(Interval - TimeSpan.FromSeconds(1));

        // Right after that refresh (less than one interval) another unknown kid (k3, not published) is refused without a download...
        Assert.Equal(HttpStatusCode.Unauthorized, (await _host.CallAsync(Sign(_k3))).StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, (await _host.CallAsync(Sign(_k3))).StatusCode);
        Assert.Equal(2, _org.RequestsTo(Path));
        Assert.Equal(["unknown-kid", "unknown-kid", "unknown-kid"], _host.Logs.RefusalReasons);

        // ...and once published and the interval over, it is picked up by one more download.
        _org.Publish(Path, TestKey.Jwks(_k2, _k3));
        _clock.Advance(Interval);
        Assert.Equal(HttpStatusCode.OK, (await _host.CallAsync(Sign(_k3))).StatusCode);
        // k1 was removed from the organisation's JWKS: no longer accepted (and no extra download inside the interval).
        Assert.Equal(HttpStatusCode.Unauthorized, (await _host.CallAsync(Sign(_k1))).StatusCode);
        Assert.Equal(3, _org.RequestsTo(Path));

        // A cached JWKS older than HookAuth:JwksMaxAge (1 h) is downloaded again even when the kid is known.
        _clock.Advance(TimeSpan.FromHours(1));
        Assert.Equal(HttpStatusCode.OK, (await _host.CallAsync(Sign(_k3))).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await _host.CallAsync(Sign(_k2))).StatusCode);
        Assert.Equal(4, _org.RequestsTo(Path));
    }

    [Fact]
    public async Task An_unavailable_or_oversized_jwks_refuses_the_call()
    {
        _org.PublishRaw(Path, "{\"keys\":[" + string.Join(",", Enumerable.Repeat(_k1.PublicJwk().ToJsonString(), 400)) + "]}");
        Assert.Equal(HttpStatusCode.Unauthorized, (await _host.CallAsync(Sign(_k1))).StatusCode);
        Assert.Equal(["jwks-unavailable"], _host.Logs.RefusalReasons);
        Assert.Contains(_host.Logs.Entries, e => e.EventId == 4102 && e.Message.Contains("JwksMaxBytes", StringComparison.Ordinal));
    }

    [Fact]
    public async Task At_start_up_the_allowlisted_jwks_is_downloaded_before_any_hook_arrives()
    {
        var path = "/prefetched/" + Guid.NewGuid().ToString("N");
        var jku = _org.Publish(path, TestKey.Jwks(_k1));
        await using var host = await HookAuthTestHost.StartAsync(new HookAuthSettings(_schema.Name)
            .Set("HookAuth:PrefetchJwks", "true")
            .Tenant("prefetching", [_issuer + "/prefetch"], [jku]).Build());

        // The download is in the background: wait for it to be done (requested and logged).
        await Eventually.UntilAsync(() => _org.RequestsTo(path) > 0 && host.Logs.Entries.Any(e => e.EventId == 4101),
            () => $"{_org.RequestsTo(path)} download(s), no log 4101 yet");
        Assert.Equal(1, _org.RequestsTo(path));
        Assert.Contains(host.Logs.Entries, e => e.EventId == 4101);
    }

    public async Task DisposeAsync()
    {
        await _host.DisposeAsync();
        await _org.DisposeAsync();
        await _schema.DisposeAsync();
        _k1.Dispose();
        _k2.Dispose();
        _k3.Dispose();
    }
}
