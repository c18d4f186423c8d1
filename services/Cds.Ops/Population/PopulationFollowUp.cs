using Cds.Bulk;
using Cds.Enrichment.Population;
using Cds.Rules;
using Cds.EventStore;
using Cds.EventStore.Bulk;
using Marten;

namespace Cds.Ops.Population;

/// <summary>After a scheduled export: the population run over the tenant's cohort with the tenant's rules (<see cref="TenantRuleSets"/>), stored for patient-view and the dashboard.</summary>
public sealed class PopulationFollowUp(IDocumentStore store, IConfiguration configuration, TenantRuleSets tenantRules, TimeProvider time,
    ILogger<PopulationFollowUp> logger) : IBulkExportFollowUp
{
    public async Task AfterExportAsync(string tenant, BulkExportRun run, CancellationToken ct)
    {
        var connectionString = configuration.GetConnectionString("Postgres") ?? throw new InvalidOperationException("ConnectionStrings:Postgres is not set.");
        var settings = configuration.GetSection(EventStoreSettings.Section).Get<EventStoreSettings>() ?? new EventStoreSettings();
        var population = await new PopulationGapRecorder(store, new PopulationGapFinder(connectionString, settings.Schema, tenantRules.For(tenant)), time).RunAsync(tenant, null, ct);
        logger.LogInformation("Population run {RunId} of tenant {Tenant} after export {ExportId}: {Patients} patients, {WithGaps} with a gap",
            population.Id, tenant, run.ExportId, population.Patients, population.PatientsWithGaps);
    }
}
