using Cds.EventStore;
using Cds.Fhir.Smart;
using Cds.ServiceDefaults;
using Cds.Tenants;

namespace Cds.Smart;

/// <summary>The SMART app's host: tenants and link key validated at start-up, the event store read per tenant, the pages.</summary>
public static class SmartHost
{
    public static WebApplication Build(string[] args, IReadOnlyDictionary<string, string?>? settings = null, Action<WebApplicationBuilder>? configure = null)
    {
        var builder = WebApplication.CreateBuilder(args);
        if (settings is not null)
        {
            builder.Configuration.AddInMemoryCollection(settings);
        }
        builder.AddServiceDefaults("cds-smart");
        configure?.Invoke(builder);
        builder.Services.AddCdsEventStore(builder.Configuration);
        builder.Services.AddHealthChecks().AddPostgresReadiness();
        builder.Services.AddOptions<SmartAppOptions>().Bind(builder.Configuration.GetSection(SmartAppOptions.Section));
        builder.Services.AddTenantSettings(builder.Configuration).AddTenantSettingsCheck<SmartTenantsValidator>();
        builder.Services.AddHttpClient(SmartClient.HttpClientName, c => c.Timeout = TimeSpan.FromSeconds(15))
            .ConfigurePrimaryHttpMessageHandler(() => new SocketsHttpHandler { AllowAutoRedirect = false });
        builder.Services.AddSingleton(TimeProvider.System);
        builder.Services.AddSingleton<SmartTenants>();
        builder.Services.AddSingleton<SmartSessions>();
        builder.Services.AddSingleton<SmartClient>();
        builder.Services.AddSingleton<ExplanationReader>();

        var app = builder.Build();
        app.MapDefaultEndpoints();
        app.MapSmartApp();
        return app;
    }
}
