using Cds.Contracts;
using Cds.EventStore;

namespace Cds.Hooks;

/// <summary>Cards that come after their own hook had answered, shown once by the patient's next hook.</summary>
public static class LateResults
{
    /// <summary>
    /// Cards of an earlier hook for the same patient whose evaluation finished after that hook had answered: shown
    /// once (its deletion commits with the answer), within the configured freshness
    /// (<see cref="HookOptions.CachedResultFreshness"/>), with their provenance and age, unless the same advice is already here.
    /// </summary>
    public static (IReadOnlyList<Card> Cards, LateResult? Taken) Take(HookInvocation hook, LateResult? late, IReadOnlyList<Card> current,
        DateTimeOffset now, TimeSpan freshness)
    {
        if (late is null || late.HookInstance == hook.HookInstance)
        {
            return ([], null);
        }
        var age = now - late.CompletedAt;
        if (age > freshness)
        {
            return ([], late);
        }
        var note = $"_Evaluated {Age(age)} ago during {late.Hook}; that result came after {late.Hook} had answered._";
        return ([.. NotAlreadyShown(late.Cards, current).Select(c => c with
        {
            Detail = string.IsNullOrEmpty(c.Detail) ? note : c.Detail + "\n\n" + note,
        })], late);
    }

    /// <summary>The cards of <paramref name="extra"/> whose topic the answer does not carry yet (the same advice once).</summary>
    public static IEnumerable<Card> NotAlreadyShown(IEnumerable<Card> extra, IReadOnlyList<Card> current)
    {
        var topics = current.Select(c => c.Source.Topic?.Code).ToHashSet();
        return extra.Where(c => !topics.Contains(c.Source.Topic?.Code));
    }

    private static string Age(TimeSpan age) => age.TotalSeconds < 90 ? $"{Math.Max(1, (int)age.TotalSeconds)} s" : $"{(int)age.TotalMinutes} min";
}
