using Cds.Enrichment;
using Cds.Rules;
using Cds.Enrichment.Consumers;
using Cds.Enrichment.Context;
using Cds.Fhir;
using Cds.EventStore;
using Cds.ServiceDefaults;
using Cds.Tenants;

var builder = WebApplication.CreateBuilder(args);

// The tenants file is watched here: a reload switches silent mode (Tenants:{id}:Alerts) and the rule tuning
// (Tenants:{id}:Rules) for late results without a restart.
builder.AddServiceDefaults("cds-enrichment", reloadTenantsFile: true);
builder.AddCdsBus("enrichment", bus =>
{
    bus.AddConsumer<EvaluateHookConsumer>();
    bus.AddConsumer<EvaluateLateHookConsumer>();
    bus.AddConsumer<PatientChartOpenedConsumer>();
});
builder.Services.AddCdsEventStore(builder.Configuration);
builder.Services.AddHealthChecks().AddPostgresReadiness();
builder.Services.AddSingleton(_ => RuleSetLoader.LoadDefault());
builder.Services.AddTenantSettings(builder.Configuration);
builder.Services.AddTenantRuleSets();
builder.Services.AddCdsFhir(builder.Configuration);
builder.Services.AddOptions<EnrichmentOptions>().Bind(builder.Configuration.GetSection(EnrichmentOptions.Section))
    .Validate(o => o.OrderTimeMaxAge > TimeSpan.Zero && o.WarmContextTtl > TimeSpan.Zero,
        "Enrichment:OrderTimeMaxAge and Enrichment:WarmContextTtl must be positive")
    .ValidateOnStart();
builder.Services.AddSingleton<PatientContextCompletion>();
builder.Services.AddHostedService<EnrichmentWarmup>();
builder.Services.AddSingleton<EnrichmentMetrics>();
builder.Services.AddSingleton(TimeProvider.System);

var app = builder.Build();
// Rules and each tenant's tuning of them (Tenants:{id}:Rules) are validated at start-up: a bad rule file or setting
// stops the host with every problem listed.
app.Services.GetRequiredService<TenantRuleSets>();
app.MapDefaultEndpoints();
app.Run();
