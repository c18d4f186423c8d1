using System.Text.Json.Serialization;

namespace Cds.Benchmarks.Harness;

/// <summary>Median and range over the repetitions of one measurement.</summary>
public sealed record Summary(double Median, double Min, double Max, int Count)
{
    public static Summary Of(IEnumerable<double> values)
    {
        var sorted = values.Where(v => !double.IsNaN(v)).Order().ToArray();
        if (sorted.Length == 0)
        {
            return new Summary(double.NaN, double.NaN, double.NaN, 0);
        }
        var mid = sorted.Length / 2;
        var median = sorted.Length % 2 == 1 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
        return new Summary(median, sorted[0], sorted[^1], sorted.Length);
    }
}

public enum Better
{
    /// <summary>Throughput-like: ours/raw should be at least the goal.</summary>
    Higher,
    /// <summary>Latency-like: ours/raw should be at most the goal.</summary>
    Lower,
}

/// <summary>
/// One row of the table: our path against its raw baseline, both measured in the same run, interleaved. The ratio is
/// computed per repetition pair (ours_i / raw_i) and summarised, so noise that hits one pair hits both sides.
/// </summary>
public sealed record Comparison
{
    public required string Scenario { get; init; }
    public required string Metric { get; init; }
    public required string Unit { get; init; }
    public required string Ours { get; init; }
    public required string Baseline { get; init; }
    public required Summary OursValue { get; init; }
    public required Summary BaselineValue { get; init; }
    public required Summary Ratio { get; init; }
    public required Better Better { get; init; }
    /// <summary>The goal as a ratio of ours to raw (null: reported only).</summary>
    public double? Goal { get; init; }
    /// <summary>Smoke floor: a ratio this bad means something is broken, not slow (null: reported only, no floor).</summary>
    public double? Floor { get; init; }
    /// <summary>What limits the figure when the goal is missed (measured or reasoned; says which).</summary>
    public string? Limit { get; init; }

    [JsonIgnore]
    public bool? GoalMet => Goal is not { } g || double.IsNaN(Ratio.Median) ? null
        : Better == Better.Higher ? Ratio.Median >= g : Ratio.Median <= g;

    [JsonPropertyName("goalMet")]
    public bool? GoalMetJson => GoalMet;

    [JsonIgnore]
    public bool BelowFloor => double.IsNaN(Ratio.Median)
        || (Floor is { } f && (Better == Better.Higher ? Ratio.Median < f : Ratio.Median > f));

    public static Comparison From(string scenario, string metric, string unit, string ours, string baseline,
        IReadOnlyList<double> oursValues, IReadOnlyList<double> baselineValues, Better better, double? goal, string? limit = null,
        double? floor = null)
    {
        var ratios = oursValues.Zip(baselineValues, (o, b) => b == 0 ? double.NaN : o / b).ToList();
        return new Comparison
        {
            Scenario = scenario,
            Metric = metric,
            Unit = unit,
            Ours = ours,
            Baseline = baseline,
            OursValue = Summary.Of(oursValues),
            BaselineValue = Summary.Of(baselineValues),
            Ratio = Summary.Of(ratios),
            Better = better,
            Goal = goal,
            Floor = goal is null ? null : floor ?? (better == Better.Higher ? 0.05 : 20),
            Limit = limit,
        };
    }
}

/// <summary>A figure reported without a raw baseline (memory, scaling, shares).</summary>
public sealed record Observation(string Scenario, string Name, string Value, string? Goal, bool? GoalMet, string? Note = null);

public sealed class ScenarioResult
{
    public required string Id { get; init; }
    public required string Title { get; init; }
    public List<Comparison> Comparisons { get; } = [];
    public List<Observation> Observations { get; } = [];
    public List<string> Notes { get; } = [];
    public string? Error { get; set; }
    public string? Skipped { get; set; }
    public double Seconds { get; set; }
}
