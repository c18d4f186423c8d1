using Cds.Tenants;
using Cronos;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Cds.Bulk;

/// <summary>
/// The scheduled export of every tenant with <c>Tenants:{id}:Bulk:Schedule</c> (cron, UTC): at each occurrence, in every
/// instance, <see cref="BulkExportRunner.RunScheduledAsync"/>, which lets one instance run it (PostgreSQL advisory lock
/// plus "already requested since the occurrence"); then the follow-up (population run) where the export ran.
/// </summary>
public sealed partial class BulkExportScheduler(BulkExportRunner runner, IOptions<ConfiguredTenants> tenants, IEnumerable<IBulkExportFollowUp> followUps,
    TimeProvider time, ILogger<BulkExportScheduler> logger) : BackgroundService
{
    /// <summary>Tenants with a schedule, and their parsed cron expressions.</summary>
    public IReadOnlyDictionary<string, CronExpression> Schedules { get; } = tenants.Value.Tenants
        .Where(t => !string.IsNullOrWhiteSpace(t.Value.Bulk.Schedule))
        .ToDictionary(t => t.Key, t => Parse(t.Value.Bulk.Schedule!), StringComparer.OrdinalIgnoreCase);

    /// <summary>A 5-field cron expression, or 6 fields with seconds first. Throws <see cref="CronFormatException"/>.</summary>
    public static CronExpression Parse(string schedule)
    {
        var trimmed = schedule.Trim();
        var fields = trimmed.Split(' ', StringSplitOptions.RemoveEmptyEntries).Length;
        return CronExpression.Parse(trimmed, fields == 6 ? CronFormat.IncludeSeconds : CronFormat.Standard);
    }

    /// <summary>Runs one occurrence of a tenant's schedule (what the loop does when it is due).</summary>
    public async Task<ScheduledOutcome> RunOccurrenceAsync(string tenant, DateTimeOffset occurrence, CancellationToken ct)
    {
        try
        {
            var run = await runner.RunScheduledAsync(tenant, occurrence, ct).ConfigureAwait(false);
            if (run is null)
            {
                LogSkipped(logger, tenant, occurrence);
                return ScheduledOutcome.Skipped;
            }

            if (run.Completed is not null)
            {
                foreach (var followUp in followUps)
                {
                    await followUp.AfterExportAsync(tenant, run, ct).ConfigureAwait(false);
                }
            }

            return ScheduledOutcome.Ran;
        }
        catch (Exception ex) when (ex is not OperationCanceledException || !ct.IsCancellationRequested)
        {
            LogFailed(logger, tenant, occurrence, ex.GetType().Name);
            return ScheduledOutcome.Failed;
        }
    }

    protected override Task ExecuteAsync(CancellationToken stoppingToken) =>
        Task.WhenAll(Schedules.Select(s => LoopAsync(s.Key, s.Value, stoppingToken)));

    private async Task LoopAsync(string tenant, CronExpression cron, CancellationToken ct)
    {
        while (!ct.IsCancellationRequested)
        {
            var next = cron.GetNextOccurrence(time.GetUtcNow(), TimeZoneInfo.Utc);
            if (next is null)
            {
                return;
            }

            try
            {
                await Task.Delay(next.Value - time.GetUtcNow() is var wait && wait > TimeSpan.Zero ? wait : TimeSpan.Zero, time, ct).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                return;
            }

            await RunOccurrenceAsync(tenant, next.Value, ct).ConfigureAwait(false);
        }
    }

    [LoggerMessage(EventId = 1701, Level = LogLevel.Information, Message = "Scheduled export of tenant {Tenant} at {Occurrence}: another instance runs (or ran) it")]
    private static partial void LogSkipped(ILogger logger, string tenant, DateTimeOffset occurrence);

    [LoggerMessage(EventId = 1702, Level = LogLevel.Warning, Message = "Scheduled export of tenant {Tenant} at {Occurrence} failed: {Error}")]
    private static partial void LogFailed(ILogger logger, string tenant, DateTimeOffset occurrence, string error);
}
