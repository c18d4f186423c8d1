using System.Diagnostics;
using Cds.Benchmarks.Harness;
using Cds.Benchmarks.Scenarios;
using Cds.Testing;

namespace Cds.Benchmarks;

/// <summary>
/// Runs the benchmark scenarios B1–B8 and writes the table (markdown) and JSON under <c>tests/Cds.Benchmarks/results/</c>.
/// <code>dotnet run -c Release --project tests/Cds.Benchmarks -- [--smoke] [--only B2,B3] [--out DIR]</code>
/// Exit code 0: every scenario ran and no ratio fell below its loose floor; 1: an error or a floor; 2: bad arguments.
/// Goals are reported, never enforced: machines here are shared and noisy.
/// </summary>
public static class BenchProgram
{
    public static async Task<int> Main(string[] args)
    {
        if (args.Contains(InlineHookServer.Flag))
        {
            return await InlineHookServer.RunAsync(args);
        }
        if (args.Contains(BareHookServer.Flag))
        {
            return await BareHookServer.RunAsync(args);
        }
        var smoke = false;
        HashSet<string>? only = null;
        string? outDir = null;
        for (var i = 0; i < args.Length; i++)
        {
            switch (args[i])
            {
                case "--smoke":
                    smoke = true;
                    break;
                case "--only" when i + 1 < args.Length:
                    only = args[++i].Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
                        .Select(s => s.ToUpperInvariant()).ToHashSet();
                    break;
                case "--out" when i + 1 < args.Length:
                    outDir = args[++i];
                    break;
                case "-h" or "--help":
                    Console.WriteLine("usage: Cds.Benchmarks [--smoke] [--only B1,B2,...] [--out DIR]");
                    return 0;
                default:
                    Console.Error.WriteLine($"unknown argument '{args[i]}' (try --help)");
                    return 2;
            }
        }

        var root = Cds.Testing.RepoSources.Root;
        var context = new BenchContext(smoke, root);
        IScenario[] all = [new B1HookScenario(), new B2BusScenario(), new B3StoreScenario(), new B4EndToEndScenario(), new B5FhirParseScenario(), new B6TracingScenario(), new B7MachineLimitScenario(), new B8BulkImportScenario()];
        var selected = all.Where(s => only is null || only.Contains(s.Id)).ToList();
        if (selected.Count == 0)
        {
            Console.Error.WriteLine($"--only matched no scenario; known: {string.Join(",", all.Select(s => s.Id))}");
            return 2;
        }

        var started = Stopwatch.GetTimestamp();
        var date = DateTimeOffset.UtcNow;
        var results = new List<ScenarioResult>();
        foreach (var scenario in selected)
        {
            var result = new ScenarioResult { Id = scenario.Id, Title = scenario.Title };
            results.Add(result);
            Console.Error.WriteLine($"[bench] {scenario.Id} {scenario.Title} ({(smoke ? "smoke" : "full")})");
            var t = Stopwatch.GetTimestamp();
            var bound = smoke ? scenario.SmokeBound : scenario.FullBound;
            using var cts = new CancellationTokenSource(bound);
            try
            {
                var run = scenario.RunAsync(context, result, cts.Token);
                var finished = await Task.WhenAny(run, Task.Delay(bound + TimeSpan.FromSeconds(15)));
                if (finished != run)
                {
                    result.Error = $"did not finish within its bound of {bound.TotalSeconds:0} s";
                }
                else
                {
                    await run;
                }
            }
            catch (SkipScenarioException skip)
            {
                result.Skipped = skip.Message;
            }
            catch (Exception ex)
            {
                result.Error = $"{ex.GetType().Name}: {FirstLine(ex.Message)}";
                Console.Error.WriteLine($"[bench] {scenario.Id} failed: {ex}");
            }
            result.Seconds = Stopwatch.GetElapsedTime(t).TotalSeconds;
            foreach (var c in result.Comparisons)
            {
                Console.Error.WriteLine($"[bench]   {c.Metric}: ours {c.OursValue.Median:0.###} {c.Unit}, raw {c.BaselineValue.Median:0.###} {c.Unit}, ratio {c.Ratio.Median:0.00}");
            }
            foreach (var o in result.Observations)
            {
                Console.Error.WriteLine($"[bench]   {o.Name}: {o.Value}");
            }
            Console.Error.WriteLine($"[bench] {scenario.Id} done in {result.Seconds:0.0} s{(result.Error is null ? "" : " — ERROR: " + result.Error)}{(result.Skipped is null ? "" : " — skipped: " + result.Skipped)}");
        }
        await HookRig.DisposeSharedAsync();
        CrossChecks.Apply(context, results);

        var run2 = new RunReport(date, smoke ? "smoke" : "full", Report.Machine(root), results, Stopwatch.GetElapsedTime(started).TotalSeconds);
        var markdown = Report.Markdown(run2);
        var dir = outDir ?? Path.Combine(root, "tests", "Cds.Benchmarks", "results");
        Directory.CreateDirectory(dir);
        var stem = smoke ? "smoke-latest" : only is null ? "latest" : $"partial-{string.Join("-", selected.Select(s => s.Id))}";
        await File.WriteAllTextAsync(Path.Combine(dir, stem + ".md"), markdown);
        await File.WriteAllTextAsync(Path.Combine(dir, stem + ".json"), Report.ToJson(run2));
        if (!smoke)
        {
            var stamp = $"{date:yyyyMMdd-HHmmss}";
            await File.WriteAllTextAsync(Path.Combine(dir, $"{stamp}-{stem}.json"), Report.ToJson(run2));
            if (only is null && outDir is null)
            {
                Docs.UpdateTable(Path.Combine(root, "docs", "benchmarks.md"), markdown);
            }
        }
        Console.WriteLine(markdown);

        var failures = results.Where(r => r.Error is not null).Select(r => $"{r.Id}: {r.Error}")
            .Concat(results.SelectMany(r => r.Comparisons).Where(c => c.BelowFloor)
                .Select(c => $"{c.Scenario} {c.Metric}: ratio {c.Ratio.Median:0.00} beyond the loose floor {c.Floor}"))
            .ToList();
        foreach (var f in failures)
        {
            Console.Error.WriteLine($"[bench] FAIL {f}");
        }
        Console.Error.WriteLine($"[bench] results in {dir}/{stem}.md ({Stopwatch.GetElapsedTime(started).TotalSeconds:0} s)");
        // One line a test runner can add up: a scenario passes when it ran and no ratio is beyond its loose floor.
        var failedScenarios = results.Count(r => r.Error is not null || r.Comparisons.Any(c => c.BelowFloor));
        Console.WriteLine($"{results.Count - failedScenarios} passed, {failedScenarios} failed");
        return failures.Count == 0 ? 0 : 1;
    }

    private static string FirstLine(string s) => s.Split('\n')[0].Trim();
}

public sealed class SkipScenarioException(string reason) : Exception(reason);

/// <summary>What every scenario gets: the mode, the repetition count and window, and figures other scenarios need.</summary>
public sealed class BenchContext(bool smoke, string repoRoot)
{
    public bool Smoke { get; } = smoke;
    public string RepoRoot { get; } = repoRoot;
    /// <summary>Timed repetitions per side (after one untimed warm-up pair).</summary>
    public int Repetitions => Smoke ? 2 : 5;
    /// <summary>Length of one closed-loop throughput window.</summary>
    public TimeSpan Window => Smoke ? TimeSpan.FromSeconds(0.6) : TimeSpan.FromSeconds(2.5);
    /// <summary>Length of one open-loop latency window.</summary>
    public TimeSpan LatencyWindow => Smoke ? TimeSpan.FromSeconds(1) : TimeSpan.FromSeconds(5);
    /// <summary>B1's p50 of our path (ms), when B1 ran: B5 relates FHIR parse time to it.</summary>
    public double? HookP50Ms { get; set; }
    public double? HookRequestBytes { get; set; }
    /// <summary>B5: median Firely parse time (ms) per bundle size label.</summary>
    public Dictionary<string, double> FhirParseMs { get; } = [];

    public static async Task<IsolatedInfrastructure> IsolatedAsync()
    {
        // Missing infrastructure is an error (it says what to run), not a skip: CI must not pass without the broker.
        var infra = new IsolatedInfrastructure();
        await infra.InitializeAsync();
        return infra;
    }
}

public interface IScenario
{
    string Id { get; }
    string Title { get; }
    TimeSpan FullBound => TimeSpan.FromSeconds(300);
    TimeSpan SmokeBound => TimeSpan.FromSeconds(40);
    Task RunAsync(BenchContext context, ScenarioResult result, CancellationToken ct);
}
