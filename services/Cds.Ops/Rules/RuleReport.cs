using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization;
using Cds.EventStore.RuleOutcomes;

namespace Cds.Ops.Rules;

/// <summary>Builds the per-rule rows from the <see cref="RuleOutcomeDay"/> documents and prints them as table, CSV or JSON.</summary>
public static class RuleReport
{
    /// <summary>A shown card with no feedback after this long counts as "no feedback".</summary>
    public static readonly TimeSpan FeedbackWindow = TimeSpan.FromHours(24);

    public static IReadOnlyList<RuleReportRow> Build(IReadOnlyList<RuleOutcomeDay> days, IReadOnlyDictionary<string, long> hooksByService)
    {
        return [.. days.GroupBy(d => d.RuleId, StringComparer.Ordinal).OrderBy(g => g.Key, StringComparer.Ordinal).Select(g =>
        {
            var services = g.Select(d => d.ServiceId).Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal).ToList();
            var hooks = services.Sum(s => hooksByService.GetValueOrDefault(s));
            var fired = g.Sum(d => d.Fired);
            var shown = g.Sum(d => d.Shown);
            var accepted = g.Sum(d => d.Accepted);
            var overridden = g.Sum(d => d.Overridden);
            var seconds = g.SelectMany(d => d.FeedbackSeconds).Order().ToList();
            var inWindow = seconds.Count(s => s <= FeedbackWindow.TotalSeconds);
            return new RuleReportRow
            {
                RuleId = g.Key,
                Versions = [.. g.Select(d => d.RuleVersion).Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal)],
                Services = services,
                Hooks = hooks,
                Fired = fired,
                FiredPer100Hooks = hooks == 0 ? null : Math.Round(100.0 * fired / hooks, 1),
                WouldHaveFired = g.Sum(d => d.Silenced),
                Snoozed = g.Sum(d => d.Snoozed),
                Shown = shown,
                Accepted = accepted,
                AcceptedPercent = Percent(accepted, shown),
                Overridden = overridden,
                OverriddenPercent = Percent(overridden, shown),
                OverridesWithCommentPercent = Percent(g.Sum(d => d.OverridesWithComment), overridden),
                NoFeedback = Math.Max(0, shown - inWindow),
                MedianSecondsToFeedback = Median(seconds),
                NotesWritten = g.Sum(d => d.NotesWritten),
                TopOverrideReasons = Top(g.SelectMany(d => d.OverrideReasons)),
                AcceptedSuggestions = Top(g.SelectMany(d => d.AcceptedSuggestions)),
            };
        })];
    }

    private static double? Percent(long part, long whole) => whole == 0 ? null : Math.Round(100.0 * part / whole, 1);

    private static double? Median(IReadOnlyList<double> sorted) => sorted.Count switch
    {
        0 => null,
        var n when n % 2 == 1 => sorted[n / 2],
        var n => (sorted[(n / 2) - 1] + sorted[n / 2]) / 2,
    };

    private static List<ReasonCount> Top(IEnumerable<KeyValuePair<string, long>> counts) =>
        [.. counts.GroupBy(kv => kv.Key, StringComparer.Ordinal).Select(g => new ReasonCount(g.Key, g.Sum(kv => kv.Value)))
            .OrderByDescending(r => r.Count).ThenBy(r => r.Code, StringComparer.Ordinal)];

    // ---------- output ----------

    public static void PrintTable(IReadOnlyList<RuleReportRow> rows, string scope, TextWriter w)
    {
        w.WriteLine(scope);
        if (rows.Count == 0)
        {
            w.WriteLine("no rule fired (or would have fired) in this window");
            return;
        }
        w.WriteLine($"{"RULE",-22} {"VERSION",-9} {"HOOKS",6} {"FIRED",6} {"/100",6} {"SILENT",6} {"SNOOZED",7} {"SHOWN",6} {"ACCEPT%",8} {"OVERR%",7} {"NO-FB",6} {"MEDIAN-FB",9} {"NOTES",6}  TOP OVERRIDE REASONS");
        foreach (var r in rows)
        {
            w.WriteLine($"{r.RuleId,-22} {string.Join(",", r.Versions),-9} {r.Hooks,6} {r.Fired,6} {Num(r.FiredPer100Hooks),6} {r.WouldHaveFired,6} {r.Snoozed,7} {r.Shown,6} {Num(r.AcceptedPercent),8} {Num(r.OverriddenPercent),7} {r.NoFeedback,6} {Duration(r.MedianSecondsToFeedback),9} {r.NotesWritten,6}  {Reasons(r.TopOverrideReasons, 3)}");
        }
        w.WriteLine($"{rows.Count} rule(s); no feedback = shown without feedback within {FeedbackWindow.TotalHours:0} h; /100 = fired per 100 hooks of the rule's services; silent = would have fired (silent mode, not shown); snoozed = held back after an override of the same fact");
    }

    private static readonly string[] CsvHeader =
    [
        "rule", "versions", "services", "hooks", "fired", "fired_per_100_hooks", "silent_would_have_fired", "snoozed", "shown", "accepted", "accepted_pct", "overridden",
        "overridden_pct", "overrides_with_comment_pct", "no_feedback", "median_seconds_to_feedback", "notes_written",
        "override_reasons", "accepted_suggestions",
    ];

    public static void PrintCsv(IReadOnlyList<RuleReportRow> rows, TextWriter w)
    {
        w.WriteLine(string.Join(",", CsvHeader));
        foreach (var r in rows)
        {
            string[] cells =
            [
                r.RuleId, string.Join(";", r.Versions), string.Join(";", r.Services), Int(r.Hooks), Int(r.Fired), Num(r.FiredPer100Hooks, ""),
                Int(r.WouldHaveFired), Int(r.Snoozed), Int(r.Shown), Int(r.Accepted), Num(r.AcceptedPercent, ""), Int(r.Overridden), Num(r.OverriddenPercent, ""),
                Num(r.OverridesWithCommentPercent, ""), Int(r.NoFeedback), Num(r.MedianSecondsToFeedback, ""), Int(r.NotesWritten),
                Reasons(r.TopOverrideReasons, int.MaxValue, ";", ""), Reasons(r.AcceptedSuggestions, int.MaxValue, ";", ""),
            ];
            w.WriteLine(string.Join(",", cells.Select(Csv)));
        }
    }

    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web)
    {
        WriteIndented = true,
        DefaultIgnoreCondition = JsonIgnoreCondition.Never,
    };

    public static void PrintJson(IReadOnlyList<RuleReportRow> rows, TextWriter w) => w.WriteLine(JsonSerializer.Serialize(rows, Json));

    private static string Int(long value) => value.ToString(CultureInfo.InvariantCulture);

    private static string Num(double? value, string none = "-") => value?.ToString("0.#", CultureInfo.InvariantCulture) ?? none;

    private static string Duration(double? seconds) => seconds is { } s ? Cds.EventStore.HookTimelineProjection.Age(s) : "-";

    private static string Reasons(IReadOnlyList<ReasonCount> reasons, int take, string separator = ", ", string none = "-") =>
        reasons.Count == 0 ? none : string.Join(separator, reasons.Take(take).Select(r => $"{r.Code} x{r.Count}"));

    /// <summary>RFC 4180: quoted when it holds a comma, quote or line break; a leading = + - @ is neutralised for spreadsheets.</summary>
    private static string Csv(string value)
    {
        if (value.Length > 1 && "=+-@".Contains(value[0], StringComparison.Ordinal) && !double.TryParse(value, NumberStyles.Float, CultureInfo.InvariantCulture, out _))
        {
            value = "'" + value;
        }
        if (value.AsSpan().IndexOfAny(",\"\r\n") < 0)
        {
            return value;
        }
        var b = new StringBuilder(value.Length + 2).Append('"');
        b.Append(value.Replace("\"", "\"\"", StringComparison.Ordinal));
        return b.Append('"').ToString();
    }

    /// <summary>"7d", "24h", "90m" or a date (UTC, "2026-12-01"): the start of the window, at midnight UTC for days.</summary>
    public static DateTimeOffset ParseSince(string text, DateTimeOffset now)
    {
        text = text.Trim();
        if (text.Length > 1 && int.TryParse(text[..^1], NumberStyles.None, CultureInfo.InvariantCulture, out var n) && n >= 0)
        {
            switch (char.ToLowerInvariant(text[^1]))
            {
                case 'd':
                    return RuleOutcomeKey.DayOf(now.AddDays(-n));
                case 'h':
                    return RuleOutcomeKey.DayOf(now.AddHours(-n));
                case 'm':
                    return RuleOutcomeKey.DayOf(now.AddMinutes(-n));
            }
        }
        if (DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var at))
        {
            return RuleOutcomeKey.DayOf(at);
        }
        throw new ArgumentException($"--since '{text}': expected e.g. 7d, 24h or a date such as 2026-12-01");
    }
}
