using System.Collections.Concurrent;
using System.Diagnostics.Metrics;
using Cds.EpicSandbox;
using Cds.Fhir.Auth;
using Cds.Fhir.Patients;
using Cds.Testing;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Cds.Fhir.Tests;

/// <summary>A Cds.Fhir test tenant: the sandbox tenant with the scopes Cds.Fhir reads and fast, deterministic resilience settings.</summary>
internal sealed class TenantConfig : SandboxTenant
{
    public TenantConfig(string id, Uri fhirBase, string environment = "NonProduction") : base(id, fhirBase, name: "Test tenant " + id)
    {
        Set("Environment", environment);
        Scopes("system/Patient.rs", "system/Observation.rs", "system/Condition.rs", "system/MedicationRequest.rs", "system/Medication.r",
            "system/AllergyIntolerance.rs", "system/DocumentReference.crs");
        // Fast, deterministic defaults for tests; individual tests override.
        Set("Resilience:MaxRetryAttempts", "3");
        Set("Resilience:RetryBaseDelay", "00:00:00.050");
        Set("Resilience:MaxRetryDelay", "00:00:05");
        Set("Resilience:AttemptTimeout", "00:00:05");
        Set("Resilience:TotalTimeout", "00:00:30");
        Set("Resilience:BreakerSamplingDuration", "00:00:30");
        Set("Resilience:BreakerMinimumThroughput", "1000");
        Set("Resilience:BreakerBreakDuration", "00:00:05");
    }
}

/// <summary>A service provider with AddCdsFhir over in-memory configuration, plus captured logs and metrics.</summary>
internal sealed class FhirTestHost : IAsyncDisposable
{
    public FhirTestHost(params SandboxTenant[] tenants) : this(null, tenants)
    {
    }

    /// <param name="clock">The clock the token provider reads (a test's hand-moved clock); the system clock when null.</param>
    public FhirTestHost(TimeProvider? clock, params SandboxTenant[] tenants)
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(tenants.SelectMany(t => t.Values)).Build();
        var services = new ServiceCollection();
        if (clock is not null)
        {
            services.AddSingleton(clock);
        }
        services.AddLogging(b => b.SetMinimumLevel(LogLevel.Trace).AddProvider(Logs));
        services.AddCdsFhir(configuration);
        Services = services.BuildServiceProvider();
        Metrics = new MetricCollector(Services.GetRequiredService<IMeterFactory>());
    }

    public ServiceProvider Services { get; }
    public LogCollector Logs { get; } = new();
    public MetricCollector Metrics { get; }

    public IEpicFhirClientFactory Clients => Services.GetRequiredService<IEpicFhirClientFactory>();
    public BackendTokenProvider Tokens => Services.GetRequiredService<BackendTokenProvider>();
    public IPatientContextReader Patients => Services.GetRequiredService<IPatientContextReader>();

    /// <summary>Runs the start-up validation (what ValidateOnStart does when a host starts).</summary>
    public void ValidateOnStart() => Services.GetRequiredService<IStartupValidator>().Validate();

    public async ValueTask DisposeAsync()
    {
        Metrics.Dispose();
        await Services.DisposeAsync();
    }
}

internal sealed class LogCollector : ILoggerProvider
{
    public ConcurrentQueue<string> Entries { get; } = new();

    public ILogger CreateLogger(string categoryName) => new Collector(this, categoryName);

    public void Dispose()
    {
    }

    public string All => string.Join("\n", Entries);

    private sealed class Collector(LogCollector owner, string category) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => true;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter) =>
            owner.Entries.Enqueue($"{logLevel} {category}: {formatter(state, exception)} {exception}");
    }
}

/// <summary>Listens to the Cds.Fhir meter and sums counters by instrument name and tag set.</summary>
internal sealed class MetricCollector : IDisposable
{
    private readonly MeterListener _listener = new();
    private readonly ConcurrentQueue<(string Instrument, long Value, Dictionary<string, object?> Tags)> _measurements = new();

    public MetricCollector(IMeterFactory scope)
    {
        _listener.InstrumentPublished = (instrument, listener) =>
        {
            if (instrument.Meter.Name == FhirMetrics.MeterName && ReferenceEquals(instrument.Meter.Scope, scope))
            {
                listener.EnableMeasurementEvents(instrument);
            }
        };
        _listener.SetMeasurementEventCallback<long>((instrument, value, tags, _) =>
        {
            var dict = new Dictionary<string, object?>(StringComparer.Ordinal);
            foreach (var tag in tags)
            {
                dict[tag.Key] = tag.Value;
            }

            _measurements.Enqueue((instrument.Name, value, dict));
        });
        _listener.Start();
    }

    public long Sum(string instrument, params (string Key, object? Value)[] tags) =>
        _measurements.Where(m => m.Instrument == instrument && tags.All(t => m.Tags.TryGetValue(t.Key, out var v) && Equals(v?.ToString(), t.Value?.ToString())))
            .Sum(m => m.Value);

    public void Dispose() => _listener.Dispose();
}
