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
            // Half the hooks come with Epic's full prefetch, half with only the patient (as from a site whose prefetch
            // is not configured): those make us read conditions, medications, allergies and labs from the faulty Epic.
            var hookTasks = Enumerable.Range(0, perPhase)
                .Select(i => rig.OrderSelectAsync(rig.DriverA, prefetchKeys: i % 2 == 0 ? null : ["patient", "-user"])).ToList();
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
        var fhir429 = Sum(metrics, "cds_fhir_requests", "status", "429");
        var fhir503 = Sum(metrics, "cds_fhir_requests", "status", "503");
        var opened = Sum(metrics, "cds_fhir_circuit_transitions", "state", "open");
        var closed = Sum(metrics, "cds_fhir_circuit_transitions", "state", "closed");
        // 2 = open: once the notes are written, write-back's breaker toward alpha's Epic must not be open any more.
        var stillOpen = Sum(await rig.MetricsAsync(rig.WriteBack), "cds_fhir_circuit_state", "tenant", Rig.Alpha) >= 2;
        var stateSeries = metrics.Split('\n').Count(l => l.StartsWith("cds_fhir_circuit_state", StringComparison.Ordinal));
        result.Notes.Add($"metrics: cds.fhir.requests 429={fhir429}, 503={fhir503}; circuit opened {opened}, closed {closed} times; " +
            $"cds_fhir_circuit_state series {stateSeries}");
        result.Check(fhir429 + fhir503 > 0, "the FHIR request metrics do not show the 429/503s Epic answered");
        result.Check(stateSeries > 0, "circuit breaker state is not exported (no cds_fhir_circuit_state series in /metrics of write-back or enrichment)");
        result.Check(opened == 0 || closed > 0, $"the circuit opened {opened} times and never closed after Epic recovered");
        result.Check(!stillOpen, "write-back's circuit toward alpha's Epic is still open after Epic recovered and the notes were written");
        var tokenRequests = rig.SandboxA.State.TokenRequests.Count;
        result.Notes.Add($"token requests seen by Epic: {tokenRequests}; FHIR requests: {rig.SandboxA.State.FhirRequests.Count}");
        result.Crashes = rig.AnyCrashed(out _) ? 1 : 0;
    }

    private static double Sum(string metrics, string name, string label, string value)
    {
        double total = 0;
        foreach (var line in metrics.Split('\n'))
        {
            if (line.StartsWith(name, StringComparison.Ordinal) && !line.Contains("_bucket", StringComparison.Ordinal)
                && Regex.IsMatch(line, label + "[a-z_]*=\"" + Regex.Escape(value) + "\"")
                && double.TryParse(line[(line.LastIndexOf(' ') + 1)..], System.Globalization.CultureInfo.InvariantCulture, out var v))
            {
                total += v;
            }
        }
        return total;
    }
}
