using System.Net;
using System.Text.Json.Nodes;
using Cds.Testing;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Cds.Hooks.Tests.Security;

/// <summary>Start-up validation (actionable messages) and the development-only switch.</summary>
public sealed class EpicJwtConfigurationTests : IAsyncLifetime
{
    private readonly ReplaySchema _schema = new();

    public Task InitializeAsync() => Task.CompletedTask;

    public Task DisposeAsync() => _schema.DisposeAsync();

    private async Task<string> StartupErrorAsync(HookAuthSettings settings)
    {
        var e = await Assert.ThrowsAsync<OptionsValidationException>(async () =>
        {
            await using var host = await HookAuthTestHost.StartAsync(settings.Build());
        });
        return string.Join("\n", e.Failures);
    }

    [Fact]
    public async Task A_tenant_without_client_id_audiences_or_key_source_fails_at_start_up_with_what_to_set()
    {
        var message = await StartupErrorAsync(new HookAuthSettings(_schema.Name)
            .Tenant("broken", ["https://epic.example.org/fhir/"], audiences: [], clientId: ""));
        Assert.Contains("Tenants:broken:HookAuth:ClientId", message);
        Assert.Contains("Tenants:broken:HookAuth:Audiences", message);
        Assert.Contains("JkuAllowlist", message);
    }

    [Fact]
    public async Task A_static_jwks_with_private_key_material_is_refused()
    {
        var keypair = RepoSources.TestData("jwt-vectors", "cds-hooks-sandbox", "jwk-keypair.json");
        var message = await StartupErrorAsync(new HookAuthSettings(_schema.Name)
            .Tenant("leaky", ["https://sandbox.cds-hooks.org"], staticJwksPath: keypair));
        Assert.Contains("private key material", message);
    }

    [Fact]
    public async Task Missing_connection_string_bad_schema_and_relative_urls_are_reported()
    {
        var message = await StartupErrorAsync(new HookAuthSettings("Bad-Schema;drop")
            .Set("ConnectionStrings:Postgres", null)
            .Tenant("t", ["not-a-url"], ["ftp://x/y"]));
        Assert.Contains("ConnectionStrings:Postgres", message);
        Assert.Contains("HookAuth:ReplaySchema", message);
        Assert.Contains("Tenants:t:HookAuth:Issuers entry 'not-a-url'", message);
        Assert.Contains("Tenants:t:HookAuth:JkuAllowlist entry 'ftp://x/y'", message);
    }

    [Fact]
    public async Task Two_tenants_that_could_claim_the_same_token_are_refused()
    {
        var message = await StartupErrorAsync(new HookAuthSettings(_schema.Name)
            .Tenant("a", ["https://epic.example.org/fhir"], ["https://epic.example.org/jwks"])
            .Tenant("b", ["https://epic.example.org/fhir/"], ["https://epic.example.org/jwks"]));
        Assert.Contains("Tenants 'a' and 'b'", message);
    }

    [Fact]
    public async Task A_misspelt_setting_is_reported()
    {
        var e = await Assert.ThrowsAnyAsync<InvalidOperationException>(async () =>
        {
            await using var host = await HookAuthTestHost.StartAsync(new HookAuthSettings(_schema.Name)
                .Tenant("t", ["https://epic.example.org/fhir"], ["https://epic.example.org/jwks"])
                .Set("Tenants:t:HookAuth:Audience", "https://cds.example.org/cds-services").Build());
        });
        Assert.Contains("Audience", e.Message);
    }

    [Fact]
    public async Task Enabled_false_lets_calls_through_unverified_and_logs_a_loud_warning()
    {
        await using var host = await HookAuthTestHost.StartAsync(new HookAuthSettings(_schema.Name)
            .Set("HookAuth:Enabled", "false")
            .Set("ConnectionStrings:Postgres", null)
            .Tenant("dev", ["https://epic.example.org/fhir"], ["https://epic.example.org/jwks"]).Build());
        Assert.Contains(host.Logs.Entries, e => e.Level == LogLevel.Critical && e.Message.Contains("NOT verified", StringComparison.Ordinal));

        var response = await host.CallAsync(null);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var caller = JsonNode.Parse(await response.Content.ReadAsStringAsync())!;
        Assert.Equal("dev", (string?)caller["tenant"]);
        Assert.False((bool?)caller["verified"]);
        Assert.Empty(host.Fetches.Urls);
    }

    [Fact]
    public async Task Enabled_is_the_default()
    {
        await using var host = await HookAuthTestHost.StartAsync(new HookAuthSettings(_schema.Name)
            .Set("HookAuth:Enabled", null)
            .Tenant("t", ["https://epic.example.org/fhir"], ["https://epic.example.org/jwks"]).Build());
        Assert.Equal(HttpStatusCode.Unauthorized, (await host.CallAsync(null)).StatusCode);
    }
}

/// <summary>
/// Without the shared jti store (a PostgreSQL outage) clinicians still get answers: the instance checks replays
/// against its own cache, so a replay to the same instance is still refused.
/// </summary>
public sealed class ReplayStoreUnavailableTests
{
    [Fact]
    public async Task An_unreachable_replay_store_degrades_to_this_instance_s_own_replay_check()
    {
        await using var org = await JwksHost.StartAsync();
        using var key = TestKey.Create("ES384");
        var issuer = org.Url("/fhir/");
        var jku = org.Publish("/jwks", TestKey.Jwks(key));
        await using var host = await HookAuthTestHost.StartAsync(new HookAuthSettings("hookauth_unreachable")
            .Set("ConnectionStrings:Postgres", "Host=127.0.0.1;Port=1;Username=cds;Password=cds;Database=cds;Timeout=2")
            .Tenant("t", [issuer], [jku]).Build());
        var token = new HookToken { Alg = "ES384", Kid = key.Kid, Jku = jku, Iss = issuer, Sub = HookAuthSettings.ClientId, Aud = HookAuthSettings.Audience };

        var signed = token.SignWith(key);
        Assert.Equal(HttpStatusCode.OK, (await host.CallAsync(signed)).StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, (await host.CallAsync(signed)).StatusCode);
        Assert.Equal(["replay"], host.Logs.RefusalReasons);
    }

    [Fact]
    public async Task A_replay_store_that_accepts_connections_but_never_answers_degrades_within_the_check_timeout()
    {
        // A "black hole" server: TCP accepted, not a byte answered (a partition, a hung server). Npgsql's own
        // connect timeout would eat any hook deadline; the test sets it to 60 s so that the bound below (10 s) sits far
        // from the failure mode and a loaded machine cannot flake it.
        using var blackHole = new System.Net.Sockets.TcpListener(System.Net.IPAddress.Loopback, 0);
        blackHole.Start();
        var accepted = new List<System.Net.Sockets.Socket>();
        var accepting = Task.Run(async () =>
        {
            while (true)
            {
                accepted.Add(await blackHole.AcceptSocketAsync());
            }
        });
        var port = ((System.Net.IPEndPoint)blackHole.LocalEndpoint).Port;
        await using var org = await JwksHost.StartAsync();
        using var key = TestKey.Create("ES384");
        var issuer = org.Url("/fhir/");
        var jku = org.Publish("/jwks", TestKey.Jwks(key));
        await using var host = await HookAuthTestHost.StartAsync(new HookAuthSettings("hookauth_blackhole")
            .Set("ConnectionStrings:Postgres", $"Host=127.0.0.1;Port={port};Username=cds;Password=cds;Database=cds;Timeout=60")
            .Tenant("t", [issuer], [jku]).Build());
        var signed = new HookToken { Alg = "ES384", Kid = key.Kid, Jku = jku, Iss = issuer, Sub = HookAuthSettings.ClientId, Aud = HookAuthSettings.Audience }
            .SignWith(key);

        await host.CallAsync(new HookToken { Alg = "ES384", Kid = key.Kid, Jku = jku, Iss = issuer, Sub = HookAuthSettings.ClientId, Aud = HookAuthSettings.Audience }
            .SignWith(key)); // first call: JWKS download and JIT
        var clock = System.Diagnostics.Stopwatch.StartNew();
        var first = await host.CallAsync(signed);
        clock.Stop();

        Assert.Equal(HttpStatusCode.OK, first.StatusCode);
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(10), $"the hung store held the call {clock.Elapsed.TotalMilliseconds:0} ms");
        Assert.Equal(HttpStatusCode.Unauthorized, (await host.CallAsync(signed)).StatusCode);
        Assert.NotEmpty(accepted);
        blackHole.Stop();
        foreach (var socket in accepted)
        {
            socket.Dispose();
        }
    }
}
