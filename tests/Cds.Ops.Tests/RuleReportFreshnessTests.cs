using Cds.Contracts;
using Cds.EventStore;
using Cds.Testing;
using Marten;
using Marten.Events;

namespace Cds.Ops.Tests;

/// <summary>
/// The report says how fresh its numbers are: the rule outcomes are an async projection, so events the daemon has not
/// projected yet are named (how many, how old) instead of being reported as if they did not happen.
/// </summary>
public sealed class RuleReportFreshnessTests : IAsyncLifetime
{
    private readonly IsolatedEventStore _events = new();

    public Task InitializeAsync() => _events.InitializeAsync();

    public Task DisposeAsync() => _events.DisposeAsync();

    [Fact]
    public async Task Events_not_yet_projected_are_named_with_their_age_until_the_daemon_has_counted_them()
    {
        var hook = $"fresh-{Guid.NewGuid():N}";
        await using (var session = _events.Store.LightweightSession("sandbox"))
        {
            session.Events.StartStream(hook,
                new HookReceived("sandbox", hook, HookNames.OrderSelect, "cds-order-select", "pat-1", null, null, DateTimeOffset.UtcNow, []));
            await session.SaveChangesAsync();
        }

        var stale = await Cli.RunAsync(_events.Settings, "rules", "report", "--tenant", "sandbox");
        Assert.True(stale.ExitCode == 0, stale.ToString());
        Assert.Matches(@"outcomes projected through event \d+; 1 newer event\(s\) not counted yet, the oldest \d+ s old", stale.Output);
        // CSV stays data only; the same line goes to stderr.
        var csv = await Cli.RunAsync(_events.Settings, "rules", "report", "--tenant", "sandbox", "--format", "csv");
        Assert.DoesNotContain("not counted yet", csv.Output, StringComparison.Ordinal);
        Assert.Contains("1 newer event(s) not counted yet", csv.Error, StringComparison.Ordinal);

        using (var daemon = await _events.Store.BuildProjectionDaemonAsync())
        {
            await daemon.StartAllAsync();
            await _events.Store.WaitForNonStaleProjectionDataAsync(TimeSpan.FromSeconds(60));
            await daemon.StopAllAsync();
        }

        var fresh = await Cli.RunAsync(_events.Settings, "rules", "report", "--tenant", "sandbox");
        Assert.True(fresh.ExitCode == 0, fresh.ToString());
        Assert.Matches(@"outcomes up to date \(event \d+\)", fresh.Output);
    }
}
