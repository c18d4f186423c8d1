using System.Collections.Concurrent;
using System.Diagnostics.Metrics;
using Cds.Fhir;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.Extensions.DependencyInjection;

namespace Cds.Platform.Tests;

/// <summary>
/// Listens to one counter of one host (the meter of that host's <see cref="IMeterFactory"/>: both hosts share the test
/// process) and sums it by tags; by default <c>cds.fhir.requests</c>.
/// </summary>
public sealed class FhirCallCounter : IDisposable
{
    private readonly MeterListener _listener = new();
    private readonly ConcurrentQueue<(long Value, Dictionary<string, string?> Tags)> _calls = new();

    public FhirCallCounter(IServiceProvider host, string meter = FhirMetrics.MeterName, string counter = "cds.fhir.requests")
    {
        var scope = host.GetRequiredService<IMeterFactory>();
        _listener.InstrumentPublished = (instrument, listener) =>
        {
            if (instrument.Meter.Name == meter && instrument.Name == counter && ReferenceEquals(instrument.Meter.Scope, scope))
            {
                listener.EnableMeasurementEvents(instrument);
            }
        };
        _listener.SetMeasurementEventCallback<long>((_, value, tags, _) =>
        {
            var dict = new Dictionary<string, string?>(StringComparer.Ordinal);
            foreach (var tag in tags)
            {
                dict[tag.Key] = tag.Value?.ToString();
            }
            _calls.Enqueue((value, dict));
        });
        _listener.Start();
    }

    public static FhirCallCounter Of<T>(WebApplicationFactory<T> host) where T : class => new(host.Services);

    public long Sum(params (string Key, object Value)[] tags) =>
        _calls.Where(c => tags.All(t => c.Tags.TryGetValue(t.Key, out var v) && v == t.Value.ToString())).Sum(c => c.Value);

    public string Describe() => string.Join("; ", _calls.GroupBy(c => string.Join(",", c.Tags.OrderBy(t => t.Key).Select(t => $"{t.Key}={t.Value}")))
        .Select(g => $"{g.Key}: {g.Sum(c => c.Value)}"));

    public void Dispose() => _listener.Dispose();
}
