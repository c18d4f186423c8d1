using System.Globalization;
using System.Runtime.InteropServices;
using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace Cds.Benchmarks.Harness;

public sealed record MachineInfo(string Os, string Runtime, int Cores, string Cpu, long MemoryMb, string Commit, string Versions);

public sealed record RunReport(DateTimeOffset Date, string Mode, MachineInfo Machine, IReadOnlyList<ScenarioResult> Scenarios, double Seconds);

/// <summary>Writes the markdown table and JSON of a run.</summary>
public static class Report
{
    private static readonly JsonSerializerOptions Json = new()
    {
        WriteIndented = true,
        PropertyNamingPolicy = JsonNamingPolicy.CamelCase,
        NumberHandling = JsonNumberHandling.AllowNamedFloatingPointLiterals,
        Converters = { new JsonStringEnumConverter() },
    };

    public static MachineInfo Machine(string repoRoot)
    {
        var cpu = "unknown";
        long memMb = 0;
        try
        {
            cpu = File.ReadLines("/proc/cpuinfo").FirstOrDefault(l => l.StartsWith("model name", StringComparison.Ordinal))?.Split(':', 2)[1].Trim() ?? cpu;
            var mem = File.ReadLines("/proc/meminfo").First(l => l.StartsWith("MemTotal", StringComparison.Ordinal));
            memMb = long.Parse(mem.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1], CultureInfo.InvariantCulture) / 1024;
        }
        catch (IOException)
        {
        }
        var versions = string.Join(", ", new[]
        {
            ("MassTransit", typeof(MassTransit.IBus)),
            ("RabbitMQ.Client", typeof(RabbitMQ.Client.IConnection)),
            ("Marten", typeof(Marten.IDocumentStore)),
            ("Npgsql", typeof(Npgsql.NpgsqlConnection)),
            ("Hl7.Fhir.R4", typeof(Hl7.Fhir.Model.Bundle)),
            ("HdrHistogram", typeof(HdrHistogram.LongHistogram)),
            ("BenchmarkDotNet", typeof(BenchmarkDotNet.Running.BenchmarkRunner)),
        }.Select(v => $"{v.Item1} {PackageVersion(v.Item2)}"));
        return new MachineInfo(RuntimeInformation.OSDescription, RuntimeInformation.FrameworkDescription, Environment.ProcessorCount,
            cpu, memMb, GitCommit(repoRoot), versions);
    }

    /// <summary>The package's version (its informational version; the assembly version of e.g. RabbitMQ.Client 7.x is 7.0.0).</summary>
    private static string PackageVersion(Type type) =>
        System.Reflection.CustomAttributeExtensions.GetCustomAttribute<System.Reflection.AssemblyInformationalVersionAttribute>(type.Assembly)?.InformationalVersion.Split('+')[0]
        ?? type.Assembly.GetName().Version?.ToString(3) ?? "?";

    private static string GitCommit(string repoRoot)
    {
        try
        {
            var head = File.ReadAllText(Path.Combine(repoRoot, ".git", "HEAD")).Trim();
            if (head.StartsWith("ref: ", StringComparison.Ordinal))
            {
                var refFile = Path.Combine(repoRoot, ".git", head[5..]);
                return File.Exists(refFile) ? File.ReadAllText(refFile).Trim()[..12] : head[5..];
            }
            return head[..12];
        }
        catch (IOException)
        {
            return "unknown";
        }
    }

    public static string Markdown(RunReport run)
    {
        var md = new StringBuilder();
        var c = CultureInfo.InvariantCulture;
        md.AppendLine(c, $"Run {run.Date:yyyy-MM-dd HH:mm} UTC, mode `{run.Mode}`, {run.Seconds:0} s; commit `{run.Machine.Commit}`.");
        md.AppendLine(c, $"Machine: {run.Machine.Cores} cores ({run.Machine.Cpu}), {run.Machine.MemoryMb} MB, {run.Machine.Os}, {run.Machine.Runtime}.");
        md.AppendLine(c, $"Versions: {run.Machine.Versions}.");
        md.AppendLine();
        md.AppendLine("Ratios are ours ÷ raw per interleaved repetition pair: median [min–max] over the repetitions. ");
        md.AppendLine("Throughput goals are floors (≥), latency goals are ceilings (≤).");
        md.AppendLine();
        md.AppendLine("| id | metric | ours | raw baseline | ratio ours/raw | goal | met | what limits it |");
        md.AppendLine("|---|---|---|---|---|---|---|---|");
        foreach (var s in run.Scenarios)
        {
            if (s.Error is not null || s.Skipped is not null)
            {
                md.AppendLine(c, $"| {s.Id} | {Cell(s.Title)} | — | — | — | — | {(s.Error is not null ? "**error**" : "skipped")} | {Cell(s.Error ?? s.Skipped!)} |");
            }
            foreach (var r in s.Comparisons)
            {
                var goal = r.Goal is { } g ? (r.Better == Better.Higher ? "≥ " : "≤ ") + g.ToString("0.##", c) + "×" : "reported";
                var met = r.GoalMet switch { true => "yes", false => "**no**", null => "—" };
                md.AppendLine(c, $"| {r.Scenario} | {Cell(r.Metric)} | {Cell(r.Ours)}: {Fmt(r.OursValue)} {r.Unit} | {Cell(r.Baseline)}: {Fmt(r.BaselineValue)} {r.Unit} | {Ratio(r.Ratio)} | {goal} | {met} | {Cell(r.GoalMet == false ? r.Limit ?? "" : "")} |");
            }
            foreach (var o in s.Observations)
            {
                var met = o.GoalMet switch { true => "yes", false => "**no**", null => "—" };
                md.AppendLine(c, $"| {o.Scenario} | {Cell(o.Name)} | {Cell(o.Value)} | — | — | {Cell(o.Goal ?? "reported")} | {met} | {Cell(o.Note ?? "")} |");
            }
        }
        var notes = run.Scenarios.SelectMany(s => s.Notes.Select(n => $"- {s.Id}: {n}")).ToList();
        if (notes.Count > 0)
        {
            md.AppendLine();
            md.AppendLine("Notes:");
            foreach (var n in notes)
            {
                md.AppendLine(n);
            }
        }
        return md.ToString();
    }

    public static string ToJson(RunReport run) => JsonSerializer.Serialize(run, Json);

    private static string Fmt(Summary s) => double.IsNaN(s.Median) ? "n/a"
        : s.Count <= 1 ? Num(s.Median) : $"{Num(s.Median)} [{Num(s.Min)}–{Num(s.Max)}]";

    private static string Ratio(Summary s) => double.IsNaN(s.Median) ? "n/a"
        : s.Count <= 1 ? $"{s.Median.ToString("0.00", CultureInfo.InvariantCulture)}×"
        : string.Create(CultureInfo.InvariantCulture, $"{s.Median:0.00}× [{s.Min:0.00}–{s.Max:0.00}]");

    private static string Num(double v) => v switch
    {
        >= 1000 => v.ToString("#,0", CultureInfo.InvariantCulture),
        >= 100 => v.ToString("0", CultureInfo.InvariantCulture),
        >= 10 => v.ToString("0.0", CultureInfo.InvariantCulture),
        _ => v.ToString("0.00", CultureInfo.InvariantCulture),
    };

    private static string Cell(string s) => s.Replace("|", "\\|", StringComparison.Ordinal).Replace('\n', ' ');
}
