using System.Collections.Concurrent;
using Cds.EventStore.Bulk;
using Cds.Tenants;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace Cds.Bulk.Tests;

[Collection("bulk")]
public sealed class BulkSchedulerTests(BulkFixture f)
{
    private static readonly Dictionary<string, string?> Daily = new() { [$"Tenants:{BulkFixture.Tenant}:Bulk:Schedule"] = "0 3 * * *" };

    [Fact]
    public async Task Two_instances_racing_for_the_same_occurrence_run_one_export_and_one_follow_up()
    {
        await f.ClearAsync();
        var followUps = new ConcurrentBag<string>();
        await using var a = f.NewHost(Daily, s => s.AddCdsBulkSchedule().AddSingleton<IBulkExportFollowUp>(new RecordingFollowUp("a", followUps)));
        await using var b = f.NewHost(Daily, s => s.AddCdsBulkSchedule().AddSingleton<IBulkExportFollowUp>(new RecordingFollowUp("b", followUps)));
        var schedulerA = a.Services.GetRequiredService<BulkExportScheduler>();
        var schedulerB = b.Services.GetRequiredService<BulkExportScheduler>();
        Assert.Equal([BulkFixture.Tenant], schedulerA.Schedules.Keys);

        var occurrence = DateTimeOffset.UtcNow;
        var outcomes = await Task.WhenAll(
            Task.Run(() => schedulerA.RunOccurrenceAsync(BulkFixture.Tenant, occurrence, CancellationToken.None)),
            Task.Run(() => schedulerB.RunOccurrenceAsync(BulkFixture.Tenant, occurrence, CancellationToken.None)));

        Assert.Equal([ScheduledOutcome.Ran, ScheduledOutcome.Skipped], outcomes.Order());
        Assert.Single(f.Requests("/$export"));
        var run = Assert.Single(await a.Runner.RunsAsync(BulkFixture.Tenant, 10, CancellationToken.None));
        Assert.Equal("completed", run.State);
        Assert.Equal([run.ExportId], followUps.Select(x => x.Split('|')[1]));

        // The same occurrence again (an instance that woke late): it was run, so nobody exports.
        Assert.Equal(ScheduledOutcome.Skipped, await schedulerB.RunOccurrenceAsync(BulkFixture.Tenant, occurrence, CancellationToken.None));
        Assert.Single(f.Requests("/$export"));
    }

    [Theory]
    [InlineData("every night at 3", "is not a cron expression")]
    [InlineData("0 3 * *", "is not a cron expression")]
    public async Task A_bad_schedule_stops_start_up_naming_the_tenant_and_the_setting(string schedule, string why)
    {
        await using var host = f.NewHost(new() { [$"Tenants:{BulkFixture.Tenant}:Bulk:Schedule"] = schedule }, s => s.AddCdsBulkSchedule());
        var error = Assert.Throws<OptionsValidationException>(() => host.Services.GetRequiredService<IOptions<ConfiguredTenants>>().Value);
        Assert.Contains($"Tenant '{BulkFixture.Tenant}': Tenants:{BulkFixture.Tenant}:Bulk:Schedule '{schedule}' {why}", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_schedule_without_a_group_is_refused_at_start_up()
    {
        await using var host = f.NewHost(new() { [$"Tenants:{BulkFixture.Tenant}:Bulk:Schedule"] = "*/30 * * * * *", [$"Tenants:{BulkFixture.Tenant}:Bulk:GroupId"] = "" },
            s => s.AddCdsBulkSchedule());
        var error = Assert.Throws<OptionsValidationException>(() => host.Services.GetRequiredService<IOptions<ConfiguredTenants>>().Value);
        Assert.Contains($"Tenants:{BulkFixture.Tenant}:Bulk:GroupId is not", error.Message, StringComparison.Ordinal);
    }

    private sealed class RecordingFollowUp(string instance, ConcurrentBag<string> calls) : IBulkExportFollowUp
    {
        public Task AfterExportAsync(string tenant, BulkExportRun run, CancellationToken ct)
        {
            calls.Add($"{instance}|{run.ExportId}");
            return Task.CompletedTask;
        }
    }
}
