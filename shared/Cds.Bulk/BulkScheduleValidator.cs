using Cds.Tenants;
using Cronos;

namespace Cds.Bulk;

/// <summary>Start-up check of <c>Tenants:{id}:Bulk:Schedule</c> (one of the checks of the tenant validation, ValidateOnStart): the tenant, the setting and why.</summary>
public sealed class BulkScheduleValidator : ITenantSettingsCheck
{
    public IEnumerable<string> Problems(ConfiguredTenants options)
    {
        var failures = new List<string>();
        foreach (var (id, tenant) in options.Tenants)
        {
            if (string.IsNullOrWhiteSpace(tenant.Bulk.Schedule))
            {
                continue;
            }

            try
            {
                BulkExportScheduler.Parse(tenant.Bulk.Schedule);
            }
            catch (CronFormatException ex)
            {
                failures.Add($"Tenant '{id}': Tenants:{id}:Bulk:Schedule '{tenant.Bulk.Schedule}' is not a cron expression (5 fields, or 6 with seconds): {ex.Message}");
            }

            if (string.IsNullOrWhiteSpace(tenant.Bulk.GroupId))
            {
                failures.Add($"Tenant '{id}': Tenants:{id}:Bulk:Schedule is set but Tenants:{id}:Bulk:GroupId is not: a scheduled export needs the Group to export.");
            }
        }

        return failures;
    }
}
