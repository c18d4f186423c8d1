using Cds.EpicSandbox;
using Cds.Testing;

namespace Cds.Reliability;

public static class Common
{
    /// <summary>Hooks for the penicillin-allergic patient until <paramref name="count"/> returned a critical card (whose override must become a note).</summary>
    public static async Task<List<HookCall>> CriticalCardsAsync(Rig rig, EpicHookDriver driver, int count)
    {
        var cards = new List<HookCall>();
        for (var attempt = 0; attempt < count * 4 && cards.Count < count; attempt++)
        {
            var batch = await Task.WhenAll(Enumerable.Range(0, Math.Min(4, count - cards.Count)).Select(_ => rig.OrderSelectAsync(driver)));
            cards.AddRange(batch.Where(c => c.CriticalCard is not null));
        }
        if (cards.Count < count)
        {
            throw new InvalidOperationException($"only {cards.Count} of {count} hooks returned a critical card");
        }
        return cards;
    }

    /// <summary>Waits until every acknowledged feedback has its note (distinct new identifiers), or the timeout; returns (lost, duplicated, created).</summary>
    public static async Task<(int Lost, int Duplicated, int Created)> SettleNotesAsync(EpicSandboxServer sandbox, IReadOnlySet<string> before, int acknowledged, TimeSpan timeout)
    {
        Dictionary<string, int> Fresh() => Rig.CreatedByIdentifier(sandbox).Where(kv => !before.Contains(kv.Key)).ToDictionary();
        await Eventually.ReadUntilAsync(() => Task.FromResult(Fresh()), f => f.Count >= acknowledged, timeout, TimeSpan.FromMilliseconds(500));
        // A little longer: a duplicate would show up after the first write.
        await Task.Delay(2000);
        var fresh = Fresh();
        return (Math.Max(0, acknowledged - fresh.Count), fresh.Values.Sum(v => v - 1), fresh.Count);
    }

    public static HashSet<string> Identifiers(EpicSandboxServer sandbox) => [.. Rig.CreatedByIdentifier(sandbox).Keys];

    public static void CountHook(ScenarioResult result, HookCall call, TimeSpan inTime)
    {
        result.Sent++;
        if (call.Status is >= 500 or 0)
        {
            result.FiveXx++;
            return;
        }
        result.Answered++;
        if (call.Ms <= inTime.TotalMilliseconds)
        {
            result.InTime++;
        }
    }

    /// <summary>"In time": Epic waits about 2 s (field reports 0.5–2 s); the service deadline is 1.2 s.</summary>
    public static readonly TimeSpan InTime = TimeSpan.FromSeconds(2);

    public static string Latency(IEnumerable<HookCall> calls)
    {
        var ms = calls.Select(c => c.Ms).Order().ToArray();
        return ms.Length == 0 ? "-" : $"p50 {ms[ms.Length / 2]:0} ms, max {ms[^1]:0} ms";
    }
}
