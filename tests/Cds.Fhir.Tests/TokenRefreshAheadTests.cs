using System.Diagnostics;
using Cds.EpicSandbox;
using Cds.Testing;
using Hl7.Fhir.Model;
using Microsoft.Extensions.Time.Testing;
using Xunit;
using Task = System.Threading.Tasks.Task;

namespace Cds.Fhir.Tests;

/// <summary>Refresh-ahead against a sandbox issuing 5-second tokens: the old token is never used after expiry.</summary>
public sealed class TokenRefreshAheadTests : IClassFixture<ShortTokenSandboxFixture>
{
    private readonly EpicSandboxServer _sandbox;

    public TokenRefreshAheadTests(ShortTokenSandboxFixture fixture)
    {
        _sandbox = fixture.Sandbox;
        _sandbox.Reset();
    }

    [Fact]
    public async Task Tokens_are_replaced_before_expiry_so_no_call_meets_a_401()
    {
        await using var host = new FhirTestHost(new TenantConfig("t", _sandbox.FhirBaseUrl));
        var client = host.Clients.ForTenant("t");
        var handedOut = new List<(DateTimeOffset At, DateTimeOffset ExpiresAt, string Value)>();
        var clock = Stopwatch.StartNew();
        while (clock.Elapsed < TimeSpan.FromSeconds(11))
        {
            var token = await host.Tokens.GetTokenAsync("t", CancellationToken.None);
            handedOut.Add((DateTimeOffset.UtcNow, token.ExpiresAt, token.Value));
            Assert.NotNull(await client.ReadAsync<Patient>(SandboxPatients.OnLisinopril));
            await Task.Delay(150);
        }

        Assert.All(handedOut, h => Assert.True(h.At < h.ExpiresAt, "a token was handed out after its expiry"));
        Assert.InRange(handedOut.Select(h => h.Value).Distinct().Count(), 2, 6);
        Assert.All(_sandbox.State.FhirRequests, r => Assert.Equal(200, r.Status));
        Assert.Equal(0, host.Metrics.Sum("cds.fhir.unauthorized.retries"));
    }

    [Fact]
    public async Task Concurrent_callers_in_the_refresh_window_share_one_refresh()
    {
        await using var host = new FhirTestHost(new TenantConfig("t", _sandbox.FhirBaseUrl));
        var client = host.Clients.ForTenant("t");
        var first = await host.Tokens.GetTokenAsync("t", CancellationToken.None);
        // Into the refresh window (last fifth of the 5 s life) but before expiry.
        var wait = first.RefreshAt - DateTimeOffset.UtcNow + TimeSpan.FromMilliseconds(100);
        if (wait > TimeSpan.Zero)
        {
            await Task.Delay(wait);
        }

        var reads = await Task.WhenAll(Enumerable.Range(0, 16).Select(_ => Task.Run(() => client.ReadAsync<Patient>(SandboxPatients.OnLisinopril))));

        Assert.All(reads, Assert.NotNull);
        Assert.Equal(2, _sandbox.State.TokenRequests.Count(r => r.Status == 200));
        Assert.All(_sandbox.State.FhirRequests, r => Assert.Equal(200, r.Status));
    }

    [Fact]
    public async Task A_failed_refresh_ahead_keeps_the_still_valid_token_but_never_an_expired_one()
    {
        // The provider's clock is moved by hand: a 5 s token keeps only 0.5 s between refresh-ahead and its safety margin
        // before expiry, which a failing refresh (two POSTs and a back-off) can outlast on a loaded machine. The
        // provider's decisions depend on its clock alone, so the windows are hit exactly.
        var clock = new FakeTimeProvider(DateTimeOffset.UtcNow);
        await using var host = new FhirTestHost(clock, new TenantConfig("t", _sandbox.FhirBaseUrl).Set("Resilience:MaxRetryAttempts", "1"));
        var first = await host.Tokens.GetTokenAsync("t", CancellationToken.None);
        clock.Advance(first.RefreshAt - clock.GetUtcNow() + TimeSpan.FromMilliseconds(30));

        _sandbox.Faults.Status(503, "token", retryAfterSeconds: 0);
        var during = await host.Tokens.GetTokenAsync("t", CancellationToken.None);
        Assert.Same(first, during);

        clock.Advance(first.ExpiresAt - clock.GetUtcNow() + TimeSpan.FromMilliseconds(50));
        await Assert.ThrowsAsync<EpicTokenRequestException>(() => host.Tokens.GetTokenAsync("t", CancellationToken.None));
        Assert.Equal(1, _sandbox.State.TokenRequests.Count(r => r.Status == 200));
    }
}
