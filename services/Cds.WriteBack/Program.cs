using Cds.EventStore;
using Cds.EventStore.Relay;
using Cds.Fhir;
using Cds.ServiceDefaults;
using Cds.WriteBack;
using JasperFx.Events.Daemon;
using Marten;

var builder = WebApplication.CreateBuilder(args);

builder.AddServiceDefaults("cds-writeback");
builder.AddCdsBus("writeback", bus =>
{
    bus.AddConsumer<FeedbackRecordedConsumer>();
    bus.AddConsumer<WriteBackFaultConsumer>();
}, new Dictionary<string, string> { [FeedbackRecordedConsumer.Endpoint] = FeedbackRecordedConsumer.DefaultRetrySchedule });
builder.Services.AddCdsEventStore(builder.Configuration)
    .AddCdsOutboxRelay(builder.Configuration.GetSection(OutboxRelaySettings.Section).Get<OutboxRelaySettings>())
    .AddAsyncDaemon(DaemonMode.HotCold);
builder.Services.AddCdsFhir(builder.Configuration);
builder.Services.AddCdsWriteBack(builder.Configuration);
builder.Services.AddHealthChecks().AddPostgresReadiness();

var app = builder.Build();
app.MapDefaultEndpoints();
app.Run();
