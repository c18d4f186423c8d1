using System.Globalization;

namespace Cds.Benchmarks.Harness;

/// <summary>Figures that relate two scenarios (B5's prefetch read time as a share of B1's p50).</summary>
public static class CrossChecks
{
    public static void Apply(BenchContext context, List<ScenarioResult> results)
    {
        var b5 = results.FirstOrDefault(r => r.Id == "B5");
        if (b5 is null || b5.Error is not null || context.FhirParseMs.Count == 0)
        {
            return;
        }
        if (context.HookP50Ms is not { } p50 || p50 <= 0)
        {
            b5.Notes.Add("share of B1's p50 not computed: B1 did not run in this invocation.");
            return;
        }
        foreach (var (label, ms) in context.FhirParseMs)
        {
            var share = ms / p50;
            b5.Observations.Add(new Observation("B5", $"prefetch read of {label} as a share of B1's p50 ({p50.ToString("0.0", CultureInfo.InvariantCulture)} ms)",
                share.ToString("0.0%", CultureInfo.InvariantCulture), "< 10 %", share < 0.10,
                share < 0.10 ? null : "the clean-R4 check walks every element against Firely's model metadata and entries it is unsure of (xhtml narrative, Epic's single objects) still go through Firely's POCO deserializer; only bundles of this size push it past 10 %"));
        }
    }
}
