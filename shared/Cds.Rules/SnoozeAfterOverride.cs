using System.Security.Cryptography;
using System.Text;
using Cds.Contracts;

namespace Cds.Rules;

/// <summary>
/// Snooze after override, decided without I/O: after a clinician overrides a card with a reason, the same rule's card on
/// the same fact (same patient, same drug codes, same lab value and date: the finding's evidence) is held back for the
/// tenant's period (<see cref="TenantAlertSettings.SnoozeAfterOverride"/>). A changed fact is a new card. Held-back cards
/// are returned, so the caller records them (<c>CardsSnoozed</c>) and counts them; nothing is dropped unseen.
/// </summary>
public static class SnoozeAfterOverride
{
    /// <summary>
    /// The longest snooze a tenant may configure. (Also what catches "24:00:00", which .NET reads as 24 days: the error
    /// says to write 1.00:00:00.)
    /// </summary>
    public static readonly TimeSpan Longest = TimeSpan.FromDays(7);

    /// <param name="Snoozed">Each held-back outcome with the override that snoozed it.</param>
    public sealed record Split(IReadOnlyList<RuleOutcome> Live, IReadOnlyList<(RuleOutcome Outcome, OverrideSnooze By)> Snoozed);

    /// <summary>The fact a finding is about: a hash of its rule and sorted evidence (codes and values, no names).</summary>
    public static string Fact(Finding finding)
    {
        var text = string.Join("\n", finding.Evidence.Order(StringComparer.Ordinal).Prepend(finding.RuleId));
        return Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(text)))[..32];
    }

    /// <summary>
    /// The snooze that an override with a reason starts (the caller checks the outcome and the reason); null when the
    /// tenant does not snooze the rule. An override stamped in the future counts from when it arrived.
    /// </summary>
    public static OverrideSnooze? OnOverride(TenantAlertSettings settings, string patientId, Finding finding, string cardUuid,
        DateTimeOffset overriddenAt, DateTimeOffset receivedAt)
    {
        if (PeriodOf(settings, finding.RuleId) is null)
        {
            return null;
        }
        var fact = Fact(finding);
        return new OverrideSnooze
        {
            Id = $"{patientId}|{finding.RuleId}|{fact}",
            PatientId = patientId,
            RuleId = finding.RuleId,
            Fact = fact,
            OverriddenAt = overriddenAt > receivedAt ? receivedAt : overriddenAt,
            CardUuid = cardUuid,
        };
    }

    /// <summary>Splits the live outcomes into those shown and those an override still snoozes (at <paramref name="now"/>).</summary>
    public static Split Apply(TenantAlertSettings settings, IReadOnlyList<RuleOutcome> outcomes, IReadOnlyList<OverrideSnooze> snoozes,
        DateTimeOffset now)
    {
        if (snoozes.Count == 0 || settings.SnoozeAfterOverride.Count == 0)
        {
            return new Split(outcomes, []);
        }
        var live = new List<RuleOutcome>();
        var snoozed = new List<(RuleOutcome, OverrideSnooze)>();
        foreach (var outcome in outcomes)
        {
            if (ActiveSnooze(settings, outcome.Finding, snoozes, now) is { } by)
            {
                snoozed.Add((outcome, by));
            }
            else
            {
                live.Add(outcome);
            }
        }
        return new Split(live, snoozed);
    }

    /// <summary>Whether <paramref name="snooze"/> has run out under the tenant's current settings (a removed setting ends it).</summary>
    private static bool Expired(TenantAlertSettings settings, OverrideSnooze snooze, DateTimeOffset now) =>
        PeriodOf(settings, snooze.RuleId) is not { } period || snooze.OverriddenAt + period <= now;

    /// <summary>The start-up problems of a tenant's snooze settings: unknown rules, periods out of range.</summary>
    public static IEnumerable<string> Problems(string tenant, TenantAlertSettings settings, RuleSet rules)
    {
        var known = rules.Rules.Select(r => r.Id).ToHashSet(StringComparer.Ordinal);
        foreach (var (ruleId, period) in settings.SnoozeAfterOverride)
        {
            var key = $"Tenants:{tenant}:Alerts:SnoozeAfterOverride:{ruleId}";
            if (!known.Contains(ruleId))
            {
                yield return $"{key}: no rule '{ruleId}'; known rules: {string.Join(", ", known.Order(StringComparer.Ordinal))}.";
            }
            else if (period <= TimeSpan.Zero || period > Longest)
            {
                yield return $"{key}: the period must be more than 0 and at most {Longest.TotalDays:0} days (d.hh:mm:ss, e.g. 1.00:00:00 for 24 h).";
            }
        }
    }

    private static OverrideSnooze? ActiveSnooze(TenantAlertSettings settings, Finding finding, IReadOnlyList<OverrideSnooze> snoozes,
        DateTimeOffset now)
    {
        if (PeriodOf(settings, finding.RuleId) is null)
        {
            return null;
        }
        var fact = Fact(finding);
        return snoozes.Where(s => s.RuleId == finding.RuleId && s.Fact == fact && !Expired(settings, s, now))
            .MaxBy(s => s.OverriddenAt);
    }

    private static TimeSpan? PeriodOf(TenantAlertSettings settings, string ruleId) =>
        settings.SnoozeAfterOverride.TryGetValue(ruleId, out var period) && period > TimeSpan.Zero ? period : null;
}
