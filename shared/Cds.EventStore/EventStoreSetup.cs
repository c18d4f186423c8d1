using JasperFx;
using JasperFx.Events;
using JasperFx.Events.Projections;
using JasperFx.MultiTenancy;
using Marten;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Weasel.Core;

namespace Cds.EventStore;

public static class EventStoreSetup
{
    /// <summary>Registers the Marten event store from <c>ConnectionStrings:Postgres</c> and <c>EventStore:*</c>.</summary>
    public static MartenServiceCollectionExtensions.MartenConfigurationExpression AddCdsEventStore(
        this IServiceCollection services, IConfiguration configuration)
    {
        var connectionString = configuration.GetConnectionString("Postgres")
            ?? throw new InvalidOperationException(
                "ConnectionStrings:Postgres is not set. Run `eval \"$(bash infra/local/up.sh)\"` or set ConnectionStrings__Postgres.");
        var settings = configuration.GetSection(EventStoreSettings.Section).Get<EventStoreSettings>() ?? new EventStoreSettings();

        var marten = services.AddMarten(options => Configure(options, connectionString, settings)).UseLightweightSessions();
        // Marten's default logger writes failed commands with their parameters (event JSON: patient ids) at Error.
        services.AddSingleton<IConfigureMarten, PhiSafeMartenLogging>();
        if (settings.AutoApplySchema)
        {
            marten.ApplyAllDatabaseChangesOnStartup();
        }
        // After the schema is applied (hosted services start in registration order).
        services.AddHostedService(sp => new StoreWarmup(sp.GetRequiredService<IDocumentStore>(), connectionString,
            sp.GetRequiredService<Microsoft.Extensions.Logging.ILogger<StoreWarmup>>()));
        return marten;
    }

    /// <summary>The one Marten configuration block of the platform.</summary>
    public static void Configure(StoreOptions options, string connectionString, EventStoreSettings settings)
    {
        options.Connection(connectionString);
        options.DatabaseSchemaName = settings.Schema;
        options.AutoCreateSchemaObjects = settings.AutoApplySchema ? AutoCreate.CreateOrUpdate : AutoCreate.None;

        // System.Text.Json, enums as strings, camelCase: the stored JSON reads like the API.
        options.UseSystemTextJsonForSerialization(EnumStorage.AsString, Casing.CamelCase);

        // One stream per hook invocation, keyed by hookInstance; every Epic customer is a tenant.
        options.Events.StreamIdentity = StreamIdentity.AsString;
        options.Events.TenancyStyle = TenancyStyle.Conjoined;
        options.Policies.AllDocumentsAreMultiTenanted();
        options.Events.AppendMode = EventAppendMode.Quick;

        options.Events.AddEventType<HookReceived>();
        options.Events.AddEventType<PrefetchResolved>();
        options.Events.AddEventType<EnrichmentCompleted>();
        options.Events.AddEventType<CardsReturned>();
        options.Events.AddEventType<FeedbackReceived>();
        options.Events.AddEventType<WriteBackRequested>();
        options.Events.AddEventType<WriteBackSucceeded>();
        options.Events.AddEventType<WriteBackFailed>();
        Bulk.BulkExportStore.Register(options, settings.Schema);
        options.Events.AddEventType<RuleOutcomes.CardsSilenced>();
        options.Events.AddEventType<RuleOutcomes.CardsSnoozed>();
        options.Events.AddEventType<RuleOutcomes.AlertSettingChanged>();

        // Projections with explicit lifecycles.
        options.Projections.Add<HookTimelineProjection>(ProjectionLifecycle.Inline);
        options.Projections.Add<IssuedCardProjection>(ProjectionLifecycle.Inline);
        options.Projections.Add<LateResultProjection>(ProjectionLifecycle.Inline);
        // Async: built by the daemon of the write-back host (hot/cold), behind the hook's path.
        options.Projections.Add<ServiceStatisticsProjection>(ProjectionLifecycle.Async);
        options.Projections.Add<RuleOutcomes.RuleOutcomeProjection>(ProjectionLifecycle.Async);
        // Every append also sends NOTIFY (in its transaction, so delivered on commit): the daemon wakes when an event is
        // stored and the relay hands feedback to write-back at once; polling stays as the fallback (issue 15, B4).
        options.Events.UseListenNotifyForEventAppends = true;
        options.Projections.SlowPollingTime = settings.DaemonPollingTime;
        options.Projections.FastPollingTime = settings.DaemonPollingTime / 2;
        options.Projections.Errors.SkipApplyErrors = false;
        options.Projections.Errors.SkipUnknownEvents = false;
        options.Schema.For<HookTimeline>().Index(x => x.PatientId);
        options.Schema.For<IssuedCard>();
        options.Schema.For<FeedbackSeen>();
        options.Schema.For<UnmatchedFeedback>();
        options.Schema.For<WarmPatientContext>();
        // Snooze after override: read by patient in the hook's one batched read.
        options.Schema.For<Cds.Contracts.OverrideSnooze>().Index(x => x.PatientId);
        options.Schema.For<RuleOutcomes.RuleOutcomeDay>().Index(x => x.Day);
    }
}
