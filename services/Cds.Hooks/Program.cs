using Cds.Contracts;
using Cds.EventStore;
using Cds.Hooks;
using Cds.ServiceDefaults;

var builder = WebApplication.CreateBuilder(args);

// The tenants file is watched: a reload switches silent mode (Tenants:{id}:Alerts) without a restart, and is recorded.
builder.AddServiceDefaults("cds-hooks", reloadTenantsFile: true);
builder.AddCdsBus("hooks", bus => bus.AddRequestClient<EvaluateHook>());
builder.Services.AddCdsEventStore(builder.Configuration);
builder.Services.AddHealthChecks().AddPostgresReadiness();
builder.Services.AddCdsHooks(builder.Configuration);
builder.Services.AddSmartLinks(builder.Configuration);

var app = builder.Build();
// The rules and each tenant's tuning of them are validated at start-up: a bad rule file or setting stops the host.
app.Services.GetRequiredService<Cds.Rules.TenantRuleSets>();

app.UseHookArrivalClock();
app.UseHookRefusals();
app.UseCors();
app.UseHookBodyLimit();
app.UseAuthentication();
app.UseAuthorization();
app.UseRateLimiter();
app.MapDefaultEndpoints();
app.MapCdsHooks();

app.Run();
