using Cds.EventStore;
using Cds.Fhir.Bulk;
using Marten;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

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
}
