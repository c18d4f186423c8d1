using Cds.EpicSandbox;
using Cds.Testing;

namespace Cds.Reliability;

/// <summary>
/// Scenario 2: <c>kill -9</c> of a worker in the middle of its messages, then a fresh instance.
/// Enrichment: hooks in flight while Epic answers slowly; the broker redelivers the unacknowledged requests.
/// Write-back: overrides in flight while Epic stores each note but answers 3 s later; the broker redelivers and If-None-Exist keeps Epic at one note each.
/// </summary>
public static class KillScenario
{
    public static async Task RunAsync(Rig rig, ScenarioResult result, bool quick)
    {
        var n = quick ? 8 : 20;

        // ---- enrichment ----
        var slow = rig.SandboxA.Faults.Add(new FaultRule { Delay = TimeSpan.FromSeconds(3), ResourceType = "Observation", Times = n * 4 });
        var options = new HookOptions { PrefetchKeys = ["patient", "allergies", "medications", "conditions"] };
        var hookTasks = Enumerable.Range(0, n).Select(async i =>
        {
            await Task.Delay(i * 50);
            var body = rig.DriverA.BuildOrderSelect(SandboxPatients.CkdOnMetformin, [DraftMedication.Metformin], options);
            var instance = body["hookInstance"]!.GetValue<string>();
            var started = System.Diagnostics.Stopwatch.GetTimestamp();
            try
            {
                using var response = await rig.DriverA.SendAsync("cds-order-select", body);
                return new HookCall(instance, (int)response.StatusCode, System.Diagnostics.Stopwatch.GetElapsedTime(started).TotalMilliseconds, 0, null);
            }
            catch (HttpRequestException)
            {
                return new HookCall(instance, 0, System.Diagnostics.Stopwatch.GetElapsedTime(started).TotalMilliseconds, 0, null);
            }
        }).ToList();
        await Task.Delay(900);
        var killedWhileBusy = rig.SandboxA.State.FhirRequests.Count;
        await rig.KillAndRestartAsync("enrichment");
        var calls = await Task.WhenAll(hookTasks);
        foreach (var c in calls)
        {
            Common.CountHook(result, c, Common.InTime);
        }
        var ids = calls.Select(c => c.HookInstance).ToArray();
        long? completed = 0, duplicates = 0;
        for (var i = 0; i < 40; i++)
        {
            await Task.Delay(1000);
            completed = await rig.ScalarAsync("select count(distinct stream_id) from {schema}.mt_events where stream_id = any(@ids) and type like '%enrichment_completed%'", ("ids", ids));
            if (completed >= n)
            {
                break;
            }
        }
        duplicates = await rig.ScalarAsync("select coalesce(sum(c - 1), 0) from (select count(*) c from {schema}.mt_events where stream_id = any(@ids) and type like '%enrichment_completed%' group by stream_id) x", ("ids", ids));
        rig.SandboxA.Faults.Remove(slow);
        result.Duplicated += (int)(duplicates ?? 0);
        result.Notes.Add($"enrichment: {n} hooks in flight (Epic slow, {killedWhileBusy} Epic calls made before the kill), kill -9, restart; hooks {Common.Latency(calls)}; " +
            $"enrichment results recorded for {completed} of {n} (redelivered and processed), duplicated results {duplicates}");
        result.Check(completed == n, $"enrichment: only {completed} of {n} hooks got their enrichment result after the kill (hook path: a lost card, not data; the EvaluateHook request likely expires with the hook deadline, so the redelivered copy is discarded)");

        // ---- write-back ----
        var cards = await Common.CriticalCardsAsync(rig, rig.DriverA, n);
        var before = Common.Identifiers(rig.SandboxA);
        var writesBefore = rig.SandboxA.State.Writes.Count;
        // Epic stores each note at once but holds its answer 3 s: the kill lands between Epic's commit and our ack.
        var slowPost = rig.SandboxA.Faults.Add(new FaultRule { Method = "POST", ResourceType = "DocumentReference", DelayAnswer = TimeSpan.FromSeconds(3), Times = n });
        var statuses = await Task.WhenAll(cards.Select(c => rig.FeedbackAsync(rig.DriverA, c.CriticalCard!)));
        var acknowledged = statuses.Count(s => s == 200);
        result.Sent += statuses.Length;
        result.Answered += acknowledged;
        result.InTime += acknowledged;
        result.FiveXx += statuses.Count(s => s is >= 500 or 0);
        // Kill once Epic has stored the first note(s) but before it answered (or after 10 s: the scenario then counts what it finds).
        await Eventually.ReadUntilAsync(() => Task.FromResult(rig.SandboxA.State.Writes.Count), count => count != writesBefore,
            TimeSpan.FromSeconds(10), TimeSpan.FromMilliseconds(100));
        var inFlight = rig.SandboxA.State.Writes.Count - writesBefore;
        await rig.KillAndRestartAsync("writeback");
        var (lost, duplicated, created) = await Common.SettleNotesAsync(rig.SandboxA, before, acknowledged, TimeSpan.FromSeconds(quick ? 60 : 120));
        rig.SandboxA.Faults.Remove(slowPost);
        result.Lost += lost;
        result.Duplicated += duplicated;
        var matched = rig.SandboxA.State.Writes.Skip(writesBefore).Count(w => w.Outcome == WriteOutcome.MatchedExisting);
        result.Notes.Add($"write-back: {acknowledged} overrides acknowledged, kill -9 with {inFlight} notes stored by Epic and unanswered, restart; notes created {created}, " +
            $"found existing via If-None-Exist {matched}, lost {lost}, duplicated {duplicated}");
        result.Check(inFlight > 0, "the kill came before Epic stored any note: the crash-after-commit case was not exercised");
        result.Check(matched >= inFlight, $"{inFlight} notes were stored before the kill but only {matched} redeliveries found them via If-None-Exist");
        result.Check(result.InTime == result.Answered, $"{result.Answered - result.InTime} hooks answered later than {Common.InTime.TotalSeconds} s");
        result.Crashes = rig.AnyCrashed(out _) ? 1 : 0;
    }
}
