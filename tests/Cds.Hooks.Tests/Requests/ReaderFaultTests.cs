using System.Collections.Concurrent;
using System.Diagnostics.Metrics;
using Cds.Contracts;
using Cds.Hooks.Requests;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Cds.Hooks.Tests.Requests;

/// <summary>
/// Issue 14 item 9: a request the reader itself fails on (a 400 that no problem of the request explains) is counted
/// (<c>cds.hooks.requests.reader_faults</c> by service and exception type) and logged with the exception type only.
/// No body reaches a reader fault through HTTP (the fuzz and corpus tests hold the reader to that), so the fault is
/// provoked by limits the options validation would refuse at start-up: a negative MaxDepth makes System.Text.Json
/// throw inside the reader.
/// </summary>
public sealed class ReaderFaultTests
{
    [Fact]
    public void A_reader_fault_is_counted_by_service_and_exception_type_and_logged_without_the_body()
    {
        var logs = new Capture();
        using var provider = new ServiceCollection().AddMetrics().AddLogging(b => b.AddProvider(logs))
            .AddSingleton<HookRequestMetrics>().BuildServiceProvider();
        var metrics = provider.GetRequiredService<HookRequestMetrics>();
        var meters = provider.GetRequiredService<IMeterFactory>(); // this test's meters only (other tests measure in parallel)
        var measured = new ConcurrentQueue<(string Name, long Value, Dictionary<string, object?> Tags)>();
        using var listener = new MeterListener();
        listener.InstrumentPublished = (instrument, l) =>
        {
            if (instrument.Meter.Name == HookRequestMetrics.MeterName && ReferenceEquals(instrument.Meter.Scope, meters))
                l.EnableMeasurementEvents(instrument);
        };
        listener.SetMeasurementEventCallback<long>((instrument, value, tags, _) =>
        {
            var copy = new Dictionary<string, object?>();
            foreach (var tag in tags)
                copy[tag.Key] = tag.Value;
            measured.Enqueue((instrument.Name, value, copy));
        });
        listener.Start();

        var context = SharedExamples.PatientViewContext();
        var body = SharedExamples.Envelope(HookNames.PatientView, context);
        var read = SharedExamples.ReadRequest(body, HookNames.PatientView, new HookRequestReaderOptions { MaxDepth = -1 });
        Assert.Equal(400, read.StatusCode);
        Assert.Equal(nameof(ArgumentOutOfRangeException), read.ReaderFault);
        metrics.Record(HookNames.PatientView, read, "cds-patient-view");
        // An ordinary refusal is not a reader fault.
        metrics.Record(HookNames.PatientView, SharedExamples.ReadRequest("""{"hook":"patient-view"}""", HookNames.PatientView), "cds-patient-view");

        var fault = Assert.Single(measured, m => m.Name == "cds.hooks.requests.reader_faults");
        Assert.Equal(1, fault.Value);
        Assert.Equal("cds-patient-view", fault.Tags["service"]);
        Assert.Equal(HookNames.PatientView, fault.Tags["hook"]);
        Assert.Equal(nameof(ArgumentOutOfRangeException), fault.Tags["exception.type"]);
        Assert.Equal(2, measured.Where(m => m.Name == "cds.hooks.requests.rejected").Sum(m => m.Value));

        var line = Assert.Single(logs.Lines);
        Assert.StartsWith("Error", line, StringComparison.Ordinal);
        Assert.Contains("cds-patient-view", line, StringComparison.Ordinal);
        Assert.Contains(nameof(ArgumentOutOfRangeException), line, StringComparison.Ordinal);
        Assert.DoesNotContain(context["patientId"]!.GetValue<string>(), line, StringComparison.Ordinal);
    }

    private sealed class Capture : ILoggerProvider
    {
        public ConcurrentQueue<string> Lines { get; } = new();

        public ILogger CreateLogger(string categoryName) => new Logger(this);

        public void Dispose() { }

        private sealed class Logger(Capture owner) : ILogger
        {
            public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;

            public bool IsEnabled(LogLevel logLevel) => true;

            public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter) =>
                owner.Lines.Enqueue($"{logLevel} {formatter(state, exception)} {exception}");
        }
    }
}
