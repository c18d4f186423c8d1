using Cds.EventStore;
using Cds.Fhir.Bulk;
using Marten;
using Microsoft.Extensions.Configuration;
using Cds.Tenants;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Cds.Bulk;

public static class BulkServiceCollectionExtensions
{
    /// <summary>
    /// Registers <see cref="BulkExportRunner"/> on the host's Marten store, <c>ConnectionStrings:Postgres</c> and
    /// <c>EventStore:Schema</c>. Needs <c>AddCdsFhir</c> and <c>AddCdsEventStore</c> (or any <see cref="IDocumentStore"/>).
    /// </summary>
    public static IServiceCollection AddCdsBulk(this IServiceCollection services, IConfiguration configuration)
    {
        var connectionString = configuration.GetConnectionString("Postgres")
            ?? throw new InvalidOperationException("ConnectionStrings:Postgres is not set.");
        var settings = configuration.GetSection(EventStoreSettings.Section).Get<EventStoreSettings>() ?? new EventStoreSettings();
        services.AddSingleton(sp => new BulkExportRunner(sp.GetRequiredService<IDocumentStore>(), sp.GetRequiredService<BulkExportClient>(),
            connectionString, settings.Schema, sp.GetService<TimeProvider>() ?? TimeProvider.System, sp.GetRequiredService<ILogger<BulkExportRunner>>()));
        return services;
    }

    /// <summary>
    /// The scheduled export of every tenant with <c>Tenants:{id}:Bulk:Schedule</c> (a hosted service), the schedules checked
    /// at start-up with the tenants. Needs <see cref="AddCdsBulk"/>; the follow-ups are the registered <see cref="IBulkExportFollowUp"/>s.
    /// </summary>
    public static IServiceCollection AddCdsBulkSchedule(this IServiceCollection services)
    {
        services.AddTenantSettingsCheck<BulkScheduleValidator>();
        services.TryAddSingleton(TimeProvider.System);
        services.TryAddSingleton<BulkExportScheduler>();
        services.AddHostedService(sp => sp.GetRequiredService<BulkExportScheduler>());
        return services;
    }

    /// <summary>Whether any tenant has <c>Tenants:{id}:Bulk:Schedule</c>.</summary>
    public static bool AnyBulkSchedule(IConfiguration configuration) =>
        TenantSettingsBinder.Bind(configuration).Tenants.Values.Any(t => !string.IsNullOrWhiteSpace(t.Bulk.Schedule));
}
