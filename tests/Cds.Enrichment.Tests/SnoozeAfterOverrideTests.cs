using Cds.Contracts;
using Cds.Rules;
using Xunit;
using static Cds.Enrichment.Tests.Fixtures;

namespace Cds.Enrichment.Tests;

/// <summary>Snooze after override decided as both services decide it (<see cref="HookDecision"/>): same fact held back, a new fact shown.</summary>
public sealed class SnoozeAfterOverrideTests
{
    private static TenantAlertSettings Snoozing(string rule, TimeSpan period) =>
        new() { SnoozeAfterOverride = new(StringComparer.Ordinal) { [rule] = period } };

    private static HookDecision Decide(TenantAlertSettings alerts, IReadOnlyList<OverrideSnooze> snoozes, DateTimeOffset now,
        PatientContext patient, DraftMedication draft) =>
        HookDecision.Decide(ShippedRules, Input(HookNames.OrderSign, patient, draft) with { Now = now }, "north", alerts, "cds-order-sign", snoozes);

    /// <summary>The clinician overrides the duplicate-therapy card of an enalapril order for a patient on lisinopril.</summary>
    private static OverrideSnooze Overridden(TenantAlertSettings alerts, DateTimeOffset at)
    {
        var first = Decide(alerts, [], at, OnLisinopril(), Enalapril());
        var outcome = Assert.Single(first.Live, o => o.Finding.RuleId == "duplicate-therapy");
        return SnoozeAfterOverride.OnOverride(alerts, "eLisinopril", outcome.Finding, outcome.Card.Uuid, at, at)!;
    }

    [Fact]
    public void The_same_order_within_the_snooze_is_held_back_and_named_with_its_override_then_shown_again_when_it_ends()
    {
        var alerts = Snoozing("duplicate-therapy", TimeSpan.FromHours(24));
        var snooze = Overridden(alerts, Now);

        var again = Decide(alerts, [snooze], Now.AddHours(23), OnLisinopril(), Enalapril("another-draft-id"));
        Assert.DoesNotContain(again.Live, o => o.Finding.RuleId == "duplicate-therapy");
        var (held, by) = Assert.Single(again.Snooze.Snoozed);
        Assert.Equal("duplicate-therapy", held.Finding.RuleId);
        Assert.Equal(snooze, by);

        var later = Decide(alerts, [snooze], Now.AddHours(24), OnLisinopril(), Enalapril());
        Assert.Contains(later.Live, o => o.Finding.RuleId == "duplicate-therapy");
        Assert.Empty(later.Snooze.Snoozed);
    }

    [Fact]
    public void A_new_fact_is_a_new_card_a_new_drug_or_a_new_lab_value()
    {
        var alerts = Snoozing("duplicate-therapy", TimeSpan.FromHours(24));
        var snooze = Overridden(alerts, Now);
        Assert.Contains(Decide(alerts, [snooze], Now.AddHours(1), OnLisinopril(), Lisinopril()).Live, o => o.Finding.RuleId == "duplicate-therapy");

        var renal = Snoozing("renal-dosing", TimeSpan.FromHours(24));
        var first = Assert.Single(Decide(renal, [], Now, CkdOnMetformin(), Metformin()).Live, o => o.Finding.RuleId == "renal-dosing");
        var renalSnooze = SnoozeAfterOverride.OnOverride(renal, "eCkdMetformin", first.Finding, first.Card.Uuid, Now, Now)!;
        Assert.DoesNotContain(Decide(renal, [renalSnooze], Now.AddHours(1), CkdOnMetformin(), Metformin()).Live, o => o.Finding.RuleId == "renal-dosing");
        var newLab = CkdOnMetformin() with
        {
            Labs = [new LabResult("egfr-2", [Loinc("33914-3")], 22m, "mL/min/{1.73_m2}", EgfrDate.AddDays(30), "final")],
        };
        Assert.Contains(Decide(renal, [renalSnooze], Now.AddHours(1), newLab, Metformin()).Live, o => o.Finding.RuleId == "renal-dosing");
    }

    [Fact]
    public void Off_by_default_and_when_the_setting_is_removed_and_only_for_the_rule_it_names()
    {
        var alerts = Snoozing("duplicate-therapy", TimeSpan.FromHours(24));
        var snooze = Overridden(alerts, Now);
        Assert.Null(SnoozeAfterOverride.OnOverride(new TenantAlertSettings(), "eLisinopril",
            Decide(alerts, [], Now, OnLisinopril(), Enalapril()).Live.Single(o => o.Finding.RuleId == "duplicate-therapy").Finding, "card", Now, Now));
        Assert.Contains(Decide(new TenantAlertSettings(), [snooze], Now.AddHours(1), OnLisinopril(), Enalapril()).Live,
            o => o.Finding.RuleId == "duplicate-therapy");
        Assert.Contains(Decide(Snoozing("renal-dosing", TimeSpan.FromHours(24)), [snooze], Now.AddHours(1), OnLisinopril(), Enalapril()).Live,
            o => o.Finding.RuleId == "duplicate-therapy");
    }

    [Fact]
    public void An_override_stamped_in_the_future_counts_from_its_arrival()
    {
        var alerts = Snoozing("duplicate-therapy", TimeSpan.FromHours(1));
        var outcome = Decide(alerts, [], Now, OnLisinopril(), Enalapril()).Live.Single(o => o.Finding.RuleId == "duplicate-therapy");
        var snooze = SnoozeAfterOverride.OnOverride(alerts, "eLisinopril", outcome.Finding, outcome.Card.Uuid, Now.AddDays(3), Now)!;
        Assert.Equal(Now, snooze.OverriddenAt);
    }
}
