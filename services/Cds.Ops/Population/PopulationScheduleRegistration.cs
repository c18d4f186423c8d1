using Cds.Bulk;
using Cds.Fhir;
using Cds.Ops.Timeline;
using Cds.Rules;
using Cds.Tenants;

namespace Cds.Ops.Population;

public static class PopulationScheduleRegistration
{
    /// <summary>
    /// The population sync services of the ops host: FHIR clients, the bulk runner on the ops store, and the scheduled
    /// export + population run with each tenant's rules (only when a tenant has <c>Tenants:{id}:Bulk:Schedule</c>).
    /// </summary>
    public static IServiceCollection AddPopulationSchedule(this IServiceCollection services, IConfiguration configuration)
    {
        if (!BulkServiceCollectionExtensions.AnyBulkSchedule(configuration))
        {
            return services;
        }

        services.AddCdsFhir(configuration);
        services.AddSingleton(sp => sp.GetRequiredService<OpsEventStore>().Documents);
        services.AddCdsBulk(configuration);
        services.AddSingleton(_ => RuleSetLoader.LoadDefault()).AddTenantRuleSets();
        services.AddSingleton<IBulkExportFollowUp, PopulationFollowUp>();
        services.AddCdsBulkSchedule();
        return services;
    }
}
