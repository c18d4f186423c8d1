using System.Diagnostics;

namespace Cds.Reliability;

/// <summary>
/// Scenarios 1 and 3: the SHARED RabbitMQ (or PostgreSQL) is stopped for a few seconds while hooks and overrides
/// arrive, then started again with <c>infra/local/up.sh</c> (always, in a finally). Hooks must answer in time throughout;
/// every acknowledged override must become exactly one note once the infrastructure is back, without restarting a service.
/// With the broker, it also measures recovery (issue 15, item 8): from the broker accepting connections again to the first
/// hook answered with its live card when that card needs the enrichment service (allergies not in prefetch, no
/// fhirAuthorization: only enrichment's backend token can read them), printed with its counts.
/// </summary>
public static class OutageScenario
{
    public static async Task RunAsync(Rig rig, ScenarioResult result, bool broker)
    {
        var outage = TimeSpan.FromSeconds(broker ? 10 : 8);
        var cards = await Common.CriticalCardsAsync(rig, rig.DriverA, 12);
        var before = Common.Identifiers(rig.SandboxA);
        var calls = new List<HookCall>();
        var feedback = new List<(int Status, bool During)>();
        var probes = new List<(long SentAt, HookCall Call)>();
        var down = false;
        long reachableAt = 0;
        var load = Task.Run(async () =>
        {
            var sw = Stopwatch.StartNew();
            var next = 0;
            var tasks = new List<Task>();
            // At least 28 s, and with the broker 8 s past its return so recovery is seen hook by hook.
            while (sw.Elapsed < TimeSpan.FromSeconds(28) || (broker && sw.Elapsed < TimeSpan.FromSeconds(60)
                && (Volatile.Read(ref reachableAt) == 0 || Stopwatch.GetElapsedTime(Volatile.Read(ref reachableAt)) < TimeSpan.FromSeconds(8))))
            {
                if (broker)
                {
                    tasks.Add(Task.Run(async () =>
                    {
                        var sentAt = Stopwatch.GetTimestamp();
                        var c = await rig.OrderSelectAsync(rig.DriverA, prefetchKeys: EnrichmentDependent, fhirAuthorization: false);
                        lock (probes)
                        {
                            probes.Add((sentAt, c));
                        }
                    }));
                }
                tasks.Add(Task.Run(async () =>
                {
                    var c = await rig.OrderSelectAsync(rig.DriverA);
                    lock (calls)
                    {
                        calls.Add(c);
                    }
                }));
                if (next < cards.Count && sw.Elapsed.TotalSeconds >= next * 2)
                {
                    var card = cards[next++].CriticalCard!;
                    var during = Volatile.Read(ref down);
                    tasks.Add(Task.Run(async () =>
                    {
                        var s = await rig.FeedbackAsync(rig.DriverA, card);
                        lock (feedback)
                        {
                            feedback.Add((s, during));
                        }
                    }));
                }
                await Task.Delay(250);
            }
            await Task.WhenAll(tasks);
        });

        var root = rig.RepoRoot;
        try
        {
            await Task.Delay(TimeSpan.FromSeconds(4));
            Volatile.Write(ref down, true);
            if (broker)
            {
                await Shell("rabbitmqctl stop", root);
                await Shell("epmd -kill", root);
            }
            else
            {
                await Shell("pg_ctlcluster 15 main stop -m fast", root);
            }
            Console.WriteLine($"  [{result.Name}] {(broker ? "RabbitMQ" : "PostgreSQL")} stopped for {outage.TotalSeconds:0} s");
            await Task.Delay(outage);
        }
        finally
        {
            using var watching = new CancellationTokenSource();
            var watch = broker ? WatchReachableAsync(rig.Infra.RabbitMq, t => Volatile.Write(ref reachableAt, t), watching.Token) : Task.CompletedTask;
            var rc = await Shell("bash infra/local/up.sh >/dev/null", root);
            await watch.WaitAsync(TimeSpan.FromSeconds(30)).ContinueWith(_ => { });
            await watching.CancelAsync();
            Volatile.Write(ref down, false);
            Console.WriteLine($"  [{result.Name}] infra/local/up.sh → {rc}");
        }
        await load;
        if (broker)
        {
            ReportRecovery(result, probes, Volatile.Read(ref reachableAt));
        }

        foreach (var c in calls)
        {
            Common.CountHook(result, c, Common.InTime);
        }
        result.Notes.Add("hook statuses: " + string.Join(", ", calls.GroupBy(c => c.Status).OrderBy(g => g.Key).Select(g => $"{(g.Key == 0 ? "no answer" : g.Key.ToString(System.Globalization.CultureInfo.InvariantCulture))} ×{g.Count()}")));
        var refusedHooks = calls.Count(c => c.Status is > 0 and not 200);
        result.Check(refusedHooks == 0, $"{refusedHooks} hooks refused (non-200) during the outage: clinicians got no answer");
        var acknowledged = feedback.Count(f => f.Status == 200);
        var notAcked = feedback.Where(f => f.Status != 200).ToList();
        result.Sent += feedback.Count;
        result.Answered += acknowledged;
        result.InTime += acknowledged;
        // A refused override (not acknowledged) is Epic's to resend; a 5xx on the hook path is not allowed.
        result.Notes.Add($"overrides: {feedback.Count} sent, {acknowledged} acknowledged, refused while down: {string.Join(",", notAcked.Select(f => f.Status))}");
        if (notAcked.Any(f => f.Status is >= 500 and not 503 or 0))
        {
            result.Failures.Add($"feedback answered {string.Join(",", notAcked.Select(f => f.Status).Distinct())} while the {(broker ? "broker" : "store")} was down (expected 200, or 503 with Retry-After: nothing acknowledged may be lost)");
        }

        // Services recovered on their own: a fresh hook gets live cards and is recorded.
        HookCall? after = null;
        long? recorded = 0;
        for (var i = 0; i < 30; i++)
        {
            after = await rig.OrderSelectAsync(rig.DriverA);
            recorded = await rig.ScalarAsync("select count(*) from {schema}.mt_streams where id = @id", ("id", after.HookInstance));
            if (after.Status == 200 && after.CriticalCard is not null && recorded == 1)
            {
                break;
            }
            await Task.Delay(1000);
        }
        result.Check(after is { Status: 200, CriticalCard: not null } && recorded == 1, $"after the outage a hook was not served live and recorded (status {after?.Status}, card {after?.CriticalCard is not null}, recorded {recorded})");

        var (lost, duplicated, created) = await Common.SettleNotesAsync(rig.SandboxA, before, acknowledged, TimeSpan.FromSeconds(120));
        result.Lost = lost;
        result.Duplicated = duplicated;
        var unrecorded = await rig.ScalarAsync("select count(*) from unnest(@ids::text[]) i where not exists (select 1 from {schema}.mt_streams s where s.id = i)",
            ("ids", calls.Where(c => c.Status == 200).Select(c => c.HookInstance).ToArray()));
        result.Notes.Add($"hooks {Common.Latency(calls)}; answered while down but not recorded: {unrecorded}; notes created {created} for {acknowledged} acknowledged overrides");
        result.Check(result.InTime == result.Answered, $"{result.Answered - result.InTime} answers later than {Common.InTime.TotalSeconds} s");
        result.Crashes = rig.AnyCrashed(out _) ? 1 : 0;
    }

    /// <summary>Allergies left out of prefetch and no fhirAuthorization: the critical card needs enrichment (and so the bus).</summary>
    private static readonly string[] EnrichmentDependent = ["patient", "medications", "conditions", "labs"];

    /// <summary>Connects to the broker's AMQP port every 50 ms until it accepts; reports that moment (a Stopwatch timestamp).</summary>
    private static async Task WatchReachableAsync(string amqpUri, Action<long> reachable, CancellationToken ct)
    {
        var uri = new Uri(amqpUri);
        var port = uri.IsDefaultPort || uri.Port <= 0 ? 5672 : uri.Port;
        while (!ct.IsCancellationRequested)
        {
            try
            {
                using var client = new System.Net.Sockets.TcpClient();
                await client.ConnectAsync(uri.Host, port, ct);
                reachable(Stopwatch.GetTimestamp());
                return;
            }
            catch (System.Net.Sockets.SocketException)
            {
                await Task.Delay(50, ct).ContinueWith(_ => { });
            }
        }
    }

    /// <summary>Prints the time from the broker being reachable to the first enrichment-dependent hook answered live, with counts.</summary>
    private static void ReportRecovery(ScenarioResult result, List<(long SentAt, HookCall Call)> probes, long reachableAt)
    {
        var live = probes.Count(p => p.Call.CriticalCard is not null);
        if (reachableAt == 0)
        {
            result.Notes.Add($"recovery: the broker's port never accepted a connection while watched; {probes.Count} enrichment-dependent hooks, {live} live");
            return;
        }
        double Since(long t) => (t - reachableAt) / (double)Stopwatch.Frequency;
        var after = probes.Where(p => p.SentAt >= reachableAt).OrderBy(p => p.SentAt).ToList();
        var firstLive = after.FindIndex(p => p.Call.CriticalCard is not null);
        var before = probes.Where(p => p.SentAt < reachableAt).ToList();
        var counts = string.Create(System.Globalization.CultureInfo.InvariantCulture,
            $"enrichment-dependent hooks: {before.Count} sent before (live {before.Count(p => p.Call.CriticalCard is not null)}), {after.Count} after (live {after.Count(p => p.Call.CriticalCard is not null)})");
        if (firstLive < 0)
        {
            result.Notes.Add($"recovery: no enrichment-dependent hook sent after the broker was reachable got its live card; {counts}");
            return;
        }
        var (sentAt, call) = after[firstLive];
        var answered = Since(sentAt) + call.Ms / 1000;
        var line = string.Create(System.Globalization.CultureInfo.InvariantCulture,
            $"recovery: broker reachable → first live card after {answered:0.0} s (goal ≤ 2 s; that hook sent {Since(sentAt):0.0} s after, answered in {call.Ms:0} ms), {firstLive} hooks sent after the broker was back were answered without it; {counts}");
        result.Notes.Add(line);
        Console.WriteLine($"  [{result.Name}] {line}");
    }

    private static async Task<int> Shell(string command, string root)
    {
        using var p = Process.Start(new ProcessStartInfo("bash", ["-c", command]) { WorkingDirectory = root, RedirectStandardError = true, RedirectStandardOutput = true })!;
        var output = p.StandardOutput.ReadToEndAsync();
        var error = p.StandardError.ReadToEndAsync();
        await p.WaitForExitAsync();
        await Task.WhenAll(output, error);
        return p.ExitCode;
    }
}
