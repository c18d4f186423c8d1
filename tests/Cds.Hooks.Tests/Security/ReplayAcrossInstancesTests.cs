using System.Net;

namespace Cds.Hooks.Tests.Security;

/// <summary>Two service instances (two hosts, two DI containers) sharing the PostgreSQL jti store.</summary>
public sealed class ReplayAcrossInstancesTests : IAsyncLifetime
{
    private const string Path = "/interconnect-fhir-oauth/api/epic/2019/Security/Open/PublicKeys/530005/OAuth2";
    private readonly ReplaySchema _schema = new();
    private readonly TestKey _key = TestKey.Create("RS384");
    private JwksHost _org = null!;
    private HookAuthTestHost _first = null!;
    private HookAuthTestHost _second = null!;
    private string _issuer = "";
    private string _jku = "";

    public async Task InitializeAsync()
    {
        _org = await JwksHost.StartAsync();
        _issuer = _org.Url("/interconnect-fhir-oauth/api/FHIR/R4/");
        _jku = _org.Publish(Path, TestKey.Jwks(_key));
        var settings = new HookAuthSettings(_schema.Name).Tenant("shared", [_issuer], [_jku]).Build();
        _first = await HookAuthTestHost.StartAsync(settings);
        _second = await HookAuthTestHost.StartAsync(settings);
    }

    private HookToken Token() => new()
    {
        Alg = "RS384", Kid = _key.Kid, Jku = _jku, Iss = _issuer, Sub = HookAuthSettings.ClientId, Aud = HookAuthSettings.Audience + "/patient-view",
    };

    /// <summary>
    /// Opening a pool connection can outlast the 500 ms replay-check bound on a loaded machine, and the check then
    /// degrades to the instance's own cache, by design. These tests are about a healthy shared store, so each instance
    /// first makes as many concurrent calls of its own as the test will, which opens the connections they need.
    /// </summary>
    private async Task WarmUpAsync(int concurrentCallsPerInstance = 1)
    {
        var calls = new[] { _first, _second }
            .SelectMany(host => Enumerable.Range(0, concurrentCallsPerInstance).Select(_ => host.CallAsync(Token().SignWith(_key), "patient-view")));
        Assert.All(await Task.WhenAll(calls), r => Assert.Equal(HttpStatusCode.OK, r.StatusCode));
    }

    [Fact]
    public async Task A_jti_accepted_by_one_instance_is_refused_by_the_other()
    {
        await WarmUpAsync();
        var token = Token();
        var signed = token.SignWith(_key);
        Assert.Equal(HttpStatusCode.OK, (await _first.CallAsync(signed, "patient-view")).StatusCode);

        var replay = await _second.CallAsync(signed, "patient-view");
        await Refusals.AssertUnauthorizedAsync(replay, "replay");
        Assert.Equal(["replay"], _second.Logs.RefusalReasons);
        Assert.Equal(1, await _schema.CountAsync("tenant = $1 AND jti = $2", "shared", token.Jti!));
    }

    [Fact]
    public async Task Concurrent_replays_across_instances_let_exactly_one_call_through()
    {
        await WarmUpAsync(concurrentCallsPerInstance: 5);
        var signed = Token().SignWith(_key);
        var calls = Enumerable.Range(0, 10).Select(i => (i % 2 == 0 ? _first : _second).CallAsync(signed, "patient-view"));
        var responses = await Task.WhenAll(calls);
        Assert.Single(responses, r => r.StatusCode == HttpStatusCode.OK);
        Assert.Equal(9, responses.Count(r => r.StatusCode == HttpStatusCode.Unauthorized));
    }

    [Fact]
    public async Task The_same_jti_from_another_tenant_is_not_a_replay()
    {
        // jti uniqueness is per issuer: the store is keyed by tenant + jti.
        var token = Token();
        Assert.Equal(HttpStatusCode.OK, (await _first.CallAsync(token.SignWith(_key), "patient-view")).StatusCode);
        await using var other = await JwksHost.StartAsync();
        var otherIssuer = other.Url("/fhir/");
        var otherJku = other.Publish(Path, TestKey.Jwks(_key));
        await using var host = await HookAuthTestHost.StartAsync(new HookAuthSettings(_schema.Name)
            .Tenant("shared", [_issuer], [_jku]).Tenant("other", [otherIssuer], [otherJku]).Build());
        var sameJti = token with { Iss = otherIssuer, Jku = otherJku };
        Assert.Equal(HttpStatusCode.OK, (await host.CallAsync(sameJti.SignWith(_key), "patient-view")).StatusCode);
        Assert.Equal(2, await _schema.CountAsync("jti = $1", token.Jti!));
    }

    [Fact]
    public async Task Expired_rows_are_taken_over_and_purged_lazily()
    {
        // A row left behind past its expiry (exp + skew) proves nothing any more.
        var token = Token();
        Assert.Equal(HttpStatusCode.OK, (await _first.CallAsync(token.SignWith(_key), "patient-view")).StatusCode);
        await AgeAllRowsAsync();

        // _first purged on its first call (next purge in a minute): the expired row is taken over by the insert.
        var again = (token with { Iat = DateTimeOffset.UtcNow.AddSeconds(1) }).SignWith(_key);
        Assert.Equal(HttpStatusCode.OK, (await _first.CallAsync(again, "patient-view")).StatusCode);
        Assert.Equal(1, await _schema.CountAsync("jti = $1 AND expires_at > now()", token.Jti!));

        // _second has not purged yet: its first call deletes expired rows.
        await AgeAllRowsAsync();
        Assert.Equal(1, await _schema.CountAsync("expires_at < now()"));
        Assert.Equal(HttpStatusCode.OK, (await _second.CallAsync(Token().SignWith(_key), "patient-view")).StatusCode);
        Assert.Equal(0, await _schema.CountAsync("expires_at < now()"));
        Assert.Equal(1, await _schema.CountAsync("true"));
    }

    private async Task AgeAllRowsAsync()
    {
        await using var connection = new Npgsql.NpgsqlConnection(ReplaySchema.ConnectionString);
        await connection.OpenAsync();
        await using var age = new Npgsql.NpgsqlCommand($"UPDATE \"{_schema.Name}\".hook_jwt_jti SET expires_at = now() - interval '1 minute'", connection);
        await age.ExecuteNonQueryAsync();
    }

    public async Task DisposeAsync()
    {
        await _first.DisposeAsync();
        await _second.DisposeAsync();
        await _org.DisposeAsync();
        await _schema.DisposeAsync();
        _key.Dispose();
    }
}
