using System.Text.RegularExpressions;
using Cds.EpicSandbox;

namespace Cds.Reliability;

/// <summary>
/// Scenario 4: Epic misbehaves — a 429 storm with Retry-After, 503s, slow answers, dropped connections, the token
/// endpoint down — while hooks arrive and overrides of critical cards must become notes. Hooks must still answer in
/// time; once Epic recovers every acknowledged override must have exactly one note; the metrics must show it.
/// </summary>
public static class FaultsScenario
{
    public static async Task RunAsync(Rig rig, ScenarioResult result, bool quick)
    {
        var perPhase = quick ? 4 : 8;
        var phases = new (string Name, Func<FaultRule[]> Faults)[]
        {
            ("429 storm (Retry-After 1 s)", () => [rig.SandboxA.Faults.Add(new FaultRule { Status = 429, RetryAfterSeconds = 1, ResourceType = "DocumentReference", Times = perPhase * 3 }),
                rig.SandboxA.Faults.Add(new FaultRule { Status = 429, RetryAfterSeconds = 1, ResourceType = "Observation", Times = perPhase * 3 })]),
            ("503s", () => [rig.SandboxA.Faults.Add(new FaultRule { Status = 503, ResourceType = "DocumentReference", Times = perPhase * 3 }),
                rig.SandboxA.Faults.Add(new FaultRule { Status = 503, ResourceType = "Condition", Times = perPhase * 3 })]),
            ("slow answers (2.5 s)", () => [rig.SandboxA.Faults.Add(new FaultRule { Delay = TimeSpan.FromSeconds(2.5), ResourceType = "DocumentReference", Times = perPhase * 2 }),
                rig.SandboxA.Faults.Add(new FaultRule { Delay = TimeSpan.FromSeconds(2.5), ResourceType = "MedicationRequest", Times = perPhase * 2 })]),
            ("dropped connections", () => [rig.SandboxA.Faults.Add(new FaultRule { DropConnection = true, ResourceType = "DocumentReference", Times = perPhase * 2 }),
                rig.SandboxA.Faults.Add(new FaultRule { DropConnection = true, ResourceType = "AllergyIntolerance", Times = perPhase * 2 })]),
            ("token endpoint down (tokens expired)", () =>
            {
                rig.SandboxA.ExpireAllAccessTokens();
                return [rig.SandboxA.Faults.Add(new FaultRule { Status = 503, ResourceType = "token", Times = perPhase * 6 })];
            }),
        };

        var cards = await Common.CriticalCardsAsync(rig, rig.DriverA, perPhase * phases.Length);
        var before = Common.Identifiers(rig.SandboxA);
        var acknowledged = 0;
        var refused = new List<int>();
        var calls = new List<HookCall>();
        var next = 0;
        foreach (var (name, faults) in phases)
        {
            var rules = faults();
            var phaseCalls = new List<HookCall>();
            var feedback = cards.Skip(next).Take(perPhase).ToList();
            next += perPhase;
            var hookTasks = Enumerable.Range(0, perPhase).Select(_ => rig.OrderSelectAsync(rig.DriverA)).ToList();
            var fbStatuses = await Task.WhenAll(feedback.Select(c => rig.FeedbackAsync(rig.DriverA, c.CriticalCard!)));
            phaseCalls.AddRange(await Task.WhenAll(hookTasks));
            acknowledged += fbStatuses.Count(s => s == 200);
            refused.AddRange(fbStatuses.Where(s => s != 200));
            foreach (var call in phaseCalls)
            {
                Common.CountHook(result, call, Common.InTime);
            }
            calls.AddRange(phaseCalls);
            await Task.Delay(TimeSpan.FromSeconds(quick ? 3 : 6));
            result.Notes.Add($"{name}: hooks {Common.Latency(phaseCalls)}; faults fired {string.Join("+", rules.Select(r => r.Fired))}");
            rig.SandboxA.Faults.Clear();
        }
        result.Sent += acknowledged + refused.Count;
        result.Answered += acknowledged + refused.Count(s => s is > 0 and < 500);
        result.InTime += acknowledged + refused.Count(s => s is > 0 and < 500);
        result.FiveXx += refused.Count(s => s is >= 500 or 0);
        result.Check(refused.Count == 0, $"overrides refused: {string.Join(",", refused)} (a refused override cannot become a note)");

        var (lost, duplicated, created) = await Common.SettleNotesAsync(rig.SandboxA, before, acknowledged, TimeSpan.FromSeconds(quick ? 60 : 120));
        result.Lost = lost;
        result.Duplicated = duplicated;
        result.Notes.Add($"overrides acknowledged {acknowledged}, notes created {created}, lost {lost}, duplicated {duplicated}");
        result.Check(result.InTime == result.Answered, $"{result.Answered - result.InTime} hooks answered later than {Common.InTime.TotalSeconds} s");

        // Retries bounded, breaker visible: what the services export.
        var metrics = await rig.MetricsAsync(rig.WriteBack) + "\n" + await rig.MetricsAsync(rig.Enrichment);
        var fhir429 = Sum(metrics, "cds_fhir_requests", "429");
        var fhir503 = Sum(metrics, "cds_fhir_requests", "503");
        var breakerLines = metrics.Split('\n').Where(l => !l.StartsWith('#') && Regex.IsMatch(l, "circuit|breaker", RegexOptions.IgnoreCase)).ToList();
        var logs = rig.WriteBack.Output() + rig.Enrichment.Output();
        var breakerLogs = Regex.Matches(logs, "circuit", RegexOptions.IgnoreCase).Count;
        result.Notes.Add($"metrics: cds.fhir.requests 429={fhir429}, 503={fhir503}; breaker series in /metrics: {breakerLines.Count}; log lines naming the circuit: {breakerLogs}");
        result.Check(fhir429 + fhir503 > 0, "the FHIR request metrics do not show the 429/503s Epic answered");
        if (breakerLines.Count == 0)
        {
            result.Missing.Add("circuit breaker state is not exported as a metric (no circuit/breaker series in /metrics of write-back or enrichment)");
        }
        var tokenRequests = rig.SandboxA.State.TokenRequests.Count;
        result.Notes.Add($"token requests seen by Epic: {tokenRequests}; FHIR requests: {rig.SandboxA.State.FhirRequests.Count}");
        result.Crashes = rig.AnyCrashed(out _) ? 1 : 0;
    }

    private static double Sum(string metrics, string name, string status)
    {
        double total = 0;
        foreach (var line in metrics.Split('\n'))
        {
            if (line.StartsWith(name, StringComparison.Ordinal) && !line.Contains("_bucket", StringComparison.Ordinal)
                && Regex.IsMatch(line, "status[a-z_]*=\"" + status + "\"") && double.TryParse(line[(line.LastIndexOf(' ') + 1)..], System.Globalization.CultureInfo.InvariantCulture, out var v))
            {
                total += v;
            }
        }
        return total;
    }
}
