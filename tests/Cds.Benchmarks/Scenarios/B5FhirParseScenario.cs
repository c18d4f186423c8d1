using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using BenchmarkDotNet.Attributes;
using BenchmarkDotNet.Columns;
using BenchmarkDotNet.Configs;
using BenchmarkDotNet.Diagnosers;
using BenchmarkDotNet.Exporters;
using BenchmarkDotNet.Jobs;
using BenchmarkDotNet.Loggers;
using BenchmarkDotNet.Running;
using BenchmarkDotNet.Toolchains.InProcess.Emit;
using Cds.Benchmarks.Harness;
using Cds.Hooks.Prefetch;
using Cds.Hooks.Requests;
using Bundle = Hl7.Fhir.Model.Bundle;
using ModelInfo = Hl7.Fhir.Model.ModelInfo;
using Hl7.Fhir.Serialization;
using Hl7.Fhir.Utility;

namespace Cds.Benchmarks.Scenarios;

/// <summary>
/// B5: Firely's strict System.Text.Json deserializer on searchset Bundles of 20 KB / 200 KB / 1 MB, and the hooks
/// service's prefetch reader (clean R4 JSON mapped without POCOs, Firely where the check is unsure; full mode also the
/// Firely-only reader it replaced), against <see cref="JsonDocument.Parse(ReadOnlyMemory{byte}, JsonDocumentOptions)"/>
/// of the same bytes. The ratio comes from our own interleaved loop (both modes); in full mode BenchmarkDotNet (in-process
/// toolchain, memory diagnoser) also measures both and its figures (mean, allocations) are reported.
/// </summary>
public sealed class B5FhirParseScenario : IScenario
{
    public string Id => "B5";
    public string Title => "Firely parse and the hooks prefetch reader on searchset Bundles vs JsonDocument.Parse";

    internal static readonly BaseFhirJsonDeserializer Deserializer =
        new(ModelInfo.ModelInspector, new DeserializerSettings().UsingMode(DeserializationMode.Strict));

    /// <summary>Firely's default (recoverable) mode, for comparison: what strictness costs.</summary>
    internal static readonly BaseFhirJsonDeserializer DefaultDeserializer = new(ModelInfo.ModelInspector, new DeserializerSettings());

    internal static Dictionary<string, byte[]> Bundles = [];

    public async Task RunAsync(BenchContext context, ScenarioResult result, CancellationToken ct)
    {
        var (bundles, source) = SearchsetBundles.Build(context.RepoRoot);
        Bundles = bundles;
        result.Notes.Add($"bundles built from {source}; sizes {string.Join(", ", bundles.Select(b => $"{b.Key} = {b.Value.Length / 1024.0:0} KiB"))}.");
        foreach (var (label, bytes) in bundles)
        {
            var bundle = ParseFirely(bytes);
            if (bundle.Entry.Count == 0)
            {
                throw new InvalidOperationException($"the {label} bundle parsed to no entries");
            }
            var reader = new Utf8JsonReader(bytes, new JsonReaderOptions { MaxDepth = 256 });
            Deserializer.TryDeserializeResource(ref reader, out _, out var issues);
            result.Notes.Add($"{label}: {bundle.Entry.Count} entries, {issues.Count()} tolerated parse issues in strict mode.");
        }

        foreach (var (label, bytes) in bundles)
        {
            ct.ThrowIfCancellationRequested();
            // Each repetition parses for a fixed time (at least twice) and reports ms per parse.
            var budget = context.Smoke ? TimeSpan.FromMilliseconds(150) : TimeSpan.FromMilliseconds(500);
            double Time(Action parse)
            {
                var sw = Stopwatch.StartNew();
                var n = 0;
                do
                {
                    parse();
                    n++;
                }
                while (n < 2 || sw.Elapsed < budget);
                return sw.Elapsed.TotalMilliseconds / n;
            }
            Task<double> Raw() => Task.FromResult(Time(() => { using var d = JsonDocument.Parse(bytes); }));
            var (firely, raw) = await Interleave.RunAsync(context.Repetitions,
                () => Task.FromResult(Time(() => ParseFirely(bytes, Deserializer))), Raw);
            var comparison = Comparison.From(Id, $"parse {label} searchset Bundle", "ms",
                "Firely 6.8 strict → Bundle POCO", "JsonDocument.Parse", firely, raw, Better.Lower, null);
            result.Comparisons.Add(comparison);

            // What the hooks service pays per prefetch key: the body's JsonDocument, the key classified (clean R4 JSON
            // read without POCOs, Firely only for entries the check is unsure of) and the rules' context mapped.
            var prefetch = PrefetchBody(bytes);
            var (reader, raw3) = await Interleave.RunAsync(context.Repetitions,
                () => Task.FromResult(Time(() => ReadPrefetch(prefetch, fastPath: true))), Raw, warmup: false);
            var ours = Comparison.From(Id, $"prefetch {label} → rules' context (hooks reader)", "ms",
                "JsonDocument + clean-R4 check + facts", "JsonDocument.Parse", reader, raw3, Better.Lower, null);
            result.Comparisons.Add(ours);
            if (!context.Smoke)
            {
                var (before, raw4) = await Interleave.RunAsync(context.Repetitions,
                    () => Task.FromResult(Time(() => ReadPrefetch(prefetch, fastPath: false))), Raw, warmup: false);
                result.Comparisons.Add(Comparison.From(Id, $"prefetch {label} → rules' context (every key read by Firely, as before issue 15)", "ms",
                    "JsonNode repair + Firely strict + POCO mapper", "JsonDocument.Parse", before, raw4, Better.Lower, null));
            }
            if (!context.Smoke)
            {
                var (lenient, raw2) = await Interleave.RunAsync(context.Repetitions,
                    () => Task.FromResult(Time(() => ParseFirely(bytes, DefaultDeserializer))), Raw, warmup: false);
                result.Comparisons.Add(Comparison.From(Id, $"parse {label} searchset Bundle (Firely default mode)", "ms",
                    "Firely 6.8 default → Bundle POCO", "JsonDocument.Parse", lenient, raw2, Better.Lower, null));
            }
            context.FhirParseMs[label] = ours.OursValue.Median;
        }

        if (!context.Smoke)
        {
            RunBenchmarkDotNet(context, result);
        }
    }

    internal static Bundle ParseFirely(byte[] bytes) => ParseFirely(bytes, Deserializer);

    /// <summary>A prefetch object holding the bundle under one key, as a hook body carries it.</summary>
    private static byte[] PrefetchBody(byte[] bundle) => [.. "{\"labs\":"u8, .. bundle, .. "}"u8];

    private static int ReadPrefetch(byte[] prefetch, bool fastPath)
    {
        using var document = JsonDocument.Parse(prefetch, new JsonDocumentOptions { MaxDepth = 64 });
        var (set, problems) = PrefetchSet.Classify(document.RootElement, "prefetch", InvalidPrefetchHandling.Reject, fastPath);
        if (problems.Count > 0)
        {
            throw new InvalidOperationException($"the bench prefetch has {problems.Count} problems");
        }
        var (patient, _) = PrefetchContext.Build("bench", set, PrefetchSet.Empty, [], new Dictionary<string, string>(), DateTimeOffset.UnixEpoch);
        return patient.Labs.Count;
    }

    internal static Bundle ParseFirely(byte[] bytes, BaseFhirJsonDeserializer deserializer)
    {
        var reader = new Utf8JsonReader(bytes, new JsonReaderOptions { MaxDepth = 256 });
        deserializer.TryDeserializeResource(ref reader, out var resource, out var issues);
        if (resource is not Bundle bundle)
        {
            throw new InvalidOperationException($"not a Bundle ({issues.Count()} issues)");
        }
        return bundle;
    }

    private static void RunBenchmarkDotNet(BenchContext context, ScenarioResult result)
    {
        var artifacts = Path.Combine(Path.GetTempPath(), "cds-bench-bdn");
        var job = Job.Dry.WithToolchain(InProcessEmitToolchain.Instance)
            .WithLaunchCount(1).WithWarmupCount(2).WithIterationCount(6).WithInvocationCount(4).WithUnrollFactor(1)
            .WithId("inprocess");
        var config = ManualConfig.CreateEmpty()
            .AddJob(job)
            .AddDiagnoser(MemoryDiagnoser.Default)
            .AddColumnProvider(DefaultColumnProviders.Instance)
            .AddLogger(NullLogger.Instance)
            .AddExporter(MarkdownExporter.GitHub)
            .WithArtifactsPath(artifacts)
            .WithOptions(ConfigOptions.DisableOptimizationsValidator | ConfigOptions.DisableLogFile);
        var summary = BenchmarkRunner.Run<FhirParseBenchmarks>(config);
        foreach (var report in summary.Reports)
        {
            var size = (string)report.BenchmarkCase.Parameters["Size"];
            var method = report.BenchmarkCase.Descriptor.WorkloadMethod.Name;
            var mean = report.ResultStatistics?.Mean / 1e6;
            var alloc = report.GcStats.GetBytesAllocatedPerOperation(report.BenchmarkCase);
            result.Observations.Add(new Observation("B5", $"BenchmarkDotNet {method} {size}",
                mean is { } m ? string.Create(CultureInfo.InvariantCulture, $"{m:0.###} ms/op, {(alloc ?? 0) / 1024.0:#,0} KiB allocated/op") : "no result",
                null, null));
        }
        var md = Directory.Exists(Path.Combine(artifacts, "results"))
            ? Directory.GetFiles(Path.Combine(artifacts, "results"), "*-report-github.md").FirstOrDefault() : null;
        if (md is not null)
        {
            var dest = Path.Combine(context.RepoRoot, "tests", "Cds.Benchmarks", "results", "b5-benchmarkdotnet.md");
            Directory.CreateDirectory(Path.GetDirectoryName(dest)!);
            File.Copy(md, dest, overwrite: true);
        }
    }
}

/// <summary>BenchmarkDotNet view of B5 (full mode only).</summary>
[MemoryDiagnoser]
public class FhirParseBenchmarks
{
    private byte[] _bytes = [];

    [Params("20 KB", "200 KB", "1 MB")]
    public string Size { get; set; } = "20 KB";

    [GlobalSetup]
    public void Setup() => _bytes = B5FhirParseScenario.Bundles[Size];

    [Benchmark(Baseline = true)]
    public int JsonDocumentParse()
    {
        using var doc = JsonDocument.Parse(_bytes);
        return doc.RootElement.GetProperty("entry").GetArrayLength();
    }

    [Benchmark]
    public int FirelyParse() => B5FhirParseScenario.ParseFirely(_bytes).Entry.Count;
}
