using System.Diagnostics;
using System.Globalization;
using System.Text;
using Cds.Reliability;

// Reliability and security scenarios (issue 10). See docs/reliability.md.
//   dotnet run -c Release --project tests/Cds.Reliability -- [--quick] [--only badinput,security,faults,kill,broker,postgres] [--no-docs]
var quick = args.Contains("--quick");
var onlyArg = args.SkipWhile(a => a != "--only").Skip(1).FirstOrDefault();
var only = onlyArg?.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).ToHashSet(StringComparer.OrdinalIgnoreCase);
var writeDocs = !args.Contains("--no-docs");
var root = Cds.Testing.RepoSources.Root;
Environment.SetEnvironmentVariable("DOTNET_CLI_TELEMETRY_OPTOUT", "1");
await EnsureInfrastructureAsync(root);

const string Cmd = "dotnet run -c Release --project tests/Cds.Reliability -- --only ";
var all = new (string Name, string Title, bool Quick, Func<Rig, ScenarioResult, Task> Run)[]
{
    ("badinput", "6. Bad input at volume (generated corpus)", true, (r, s) => BadInputScenario.RunAsync(r, s, quick)),
    ("security", "5. Security: JWT attacks, jku SSRF, tenant isolation, ops credential, size/rate limits, secrets in logs", true, (r, s) => SecurityScenario.RunAsync(r, s, quick)),
    ("faults", "4. Epic faults: 429 storm, 503s, slow, dropped connections, token endpoint down", true, (r, s) => FaultsScenario.RunAsync(r, s, quick)),
    ("kill", "2. Worker kill -9 mid-message (enrichment, write-back)", true, (r, s) => KillScenario.RunAsync(r, s, quick)),
    ("broker", "1. RabbitMQ stopped under load (shared broker; full mode only)", false, (r, s) => OutageScenario.RunAsync(r, s, broker: true)),
    ("postgres", "3. PostgreSQL stopped under load (shared database; full mode only)", false, (r, s) => OutageScenario.RunAsync(r, s, broker: false)),
};
var selected = all.Where(s => only is not null ? only.Contains(s.Name) : !quick || s.Quick).ToList();
if (selected.Count == 0)
{
    Console.Error.WriteLine($"no scenario selected; names: {string.Join(",", all.Select(a => a.Name))}");
    return 2;
}

var results = new List<ScenarioResult>();
var total = Stopwatch.StartNew();
await using (var rig = new Rig(root))
{
    Console.WriteLine($"[reliability] starting the platform (hooks, enrichment, write-back{(selected.Any(s => s.Name == "security") ? ", ops" : "")}) as child processes");
    await rig.StartAsync(withOps: selected.Any(s => s.Name == "security"));
    Console.WriteLine($"[reliability] ready after {total.Elapsed.TotalSeconds:0} s; vhost/schema {rig.Infra.Name}");
    foreach (var s in selected)
    {
        var result = new ScenarioResult(s.Name, s.Title, Cmd + s.Name);
        var sw = Stopwatch.StartNew();
        try
        {
            await s.Run(rig, result);
        }
        catch (Exception ex)
        {
            var at = ex.StackTrace?.Split('\n').FirstOrDefault(l => l.Contains("Cds.Reliability", StringComparison.Ordinal))?.Trim();
            result.Failures.Add($"scenario threw {ex.GetType().Name}: {ex.Message}{(at is null ? "" : $" ({at})")}");
        }
        result.Elapsed = sw.Elapsed;
        results.Add(result);
        Console.WriteLine(result.CountsLine());
        foreach (var n in result.Notes)
        {
            Console.WriteLine($"  - {n}");
        }
        foreach (var m in result.Missing)
        {
            Console.WriteLine($"  MISSING: {m}");
        }
        foreach (var f in result.Failures)
        {
            Console.WriteLine($"  FAILURE: {f}");
        }
    }
}

var table = Table(results, quick, total.Elapsed);
Console.WriteLine();
Console.WriteLine(table);
if (writeDocs)
{
    WriteDocs(root, table);
}
var failed = results.Count(r => r.Failed);
Console.WriteLine($"{results.Count - failed} passed, {failed} failed");
return failed == 0 ? 0 : 1;

static string Table(List<ScenarioResult> results, bool quick, TimeSpan elapsed)
{
    var sb = new StringBuilder();
    sb.AppendLine(CultureInfo.InvariantCulture, $"Last run: {DateTime.UtcNow:yyyy-MM-dd HH:mm} UTC, mode {(quick ? "--quick" : "full")}, {elapsed.TotalSeconds:0} s, {Environment.ProcessorCount} cores.");
    sb.AppendLine();
    sb.AppendLine("| scenario | sent | answered | in time (≤ 2 s) | 5xx | lost | duplicated | crashes | result | how to run |");
    sb.AppendLine("|---|---:|---:|---:|---:|---:|---:|---:|---|---|");
    foreach (var r in results)
    {
        sb.AppendLine(CultureInfo.InvariantCulture,
            $"| {r.Title} | {r.Sent} | {r.Answered} | {r.InTime} | {r.FiveXx} | {r.Lost} | {r.Duplicated} | {r.Crashes} | {(r.Failed ? "**FAIL**" : "pass")} | `{r.Command}` |");
    }
    sb.AppendLine();
    foreach (var r in results)
    {
        sb.AppendLine(CultureInfo.InvariantCulture, $"**{r.Name}**");
        foreach (var n in r.Notes)
        {
            sb.AppendLine(CultureInfo.InvariantCulture, $"- {n.Replace("|", "\\|", StringComparison.Ordinal)}");
        }
        foreach (var m in r.Missing)
        {
            sb.AppendLine(CultureInfo.InvariantCulture, $"- MISSING: {m}");
        }
        foreach (var f in r.Failures)
        {
            sb.AppendLine(CultureInfo.InvariantCulture, $"- FAILURE: {f.Replace("|", "\\|", StringComparison.Ordinal)}");
        }
        sb.AppendLine();
    }
    return sb.ToString();
}

static void WriteDocs(string root, string table)
{
    const string start = "<!-- results:start -->", end = "<!-- results:end -->";
    var path = Path.Combine(root, "docs", "reliability.md");
    if (!File.Exists(path))
    {
        return;
    }
    var text = File.ReadAllText(path);
    var a = text.IndexOf(start, StringComparison.Ordinal);
    var b = text.IndexOf(end, StringComparison.Ordinal);
    if (a < 0 || b < a)
    {
        return;
    }
    File.WriteAllText(path, text[..(a + start.Length)] + "\n" + table + text[b..]);
}

static async Task EnsureInfrastructureAsync(string root)
{
    if (!string.IsNullOrEmpty(Environment.GetEnvironmentVariable("CDS_POSTGRES")) && !string.IsNullOrEmpty(Environment.GetEnvironmentVariable("CDS_RABBITMQ"))
        && !string.IsNullOrEmpty(Environment.GetEnvironmentVariable("CDS_RABBITMQ_MANAGEMENT")))
    {
        return;
    }
    using var p = Process.Start(new ProcessStartInfo("bash", ["infra/local/up.sh"]) { WorkingDirectory = root, RedirectStandardOutput = true })!;
    var output = await p.StandardOutput.ReadToEndAsync();
    await p.WaitForExitAsync();
    if (p.ExitCode != 0)
    {
        throw new InvalidOperationException("infra/local/up.sh failed: RabbitMQ and PostgreSQL are needed");
    }
    foreach (var line in output.Split('\n'))
    {
        // export NAME='value'
        var t = line.Trim();
        if (t.StartsWith("export ", StringComparison.Ordinal) && t.IndexOf('=') is var eq and > 7)
        {
            Environment.SetEnvironmentVariable(t[7..eq], t[(eq + 1)..].Trim('\''));
        }
    }
}
