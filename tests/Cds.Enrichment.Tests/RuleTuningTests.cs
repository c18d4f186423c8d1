using Cds.Contracts;
using Cds.Rules;
using Xunit;
using static Cds.Enrichment.Tests.Fixtures;

namespace Cds.Enrichment.Tests;

/// <summary>Per-tenant rule tuning (Tenants:{id}:Rules:{ruleId}) applied to the shipped rules, as the services apply it.</summary>
public sealed class RuleTuningTests
{
    private static RuleTuningOptions Tenants(params (string Tenant, string Rule, bool Enabled, (string Name, string Value)[] Parameters)[] rules)
    {
        var options = new RuleTuningOptions();
        foreach (var (tenant, rule, enabled, parameters) in rules)
        {
            var entry = options.Tenants.TryGetValue(tenant, out var found) ? found : options.Tenants[tenant] = new TenantRulesEntry();
            var settings = new TenantRuleSettings { Enabled = enabled };
            foreach (var (name, value) in parameters)
            {
                settings.Parameters[name] = value;
            }
            entry.Rules[rule] = settings;
        }
        return options;
    }

    private static IReadOnlyDictionary<string, RuleSet> Resolve(params (string, string, bool, (string, string)[])[] rules) =>
        TenantRuleSets.Resolve(ShippedRules, Tenants(rules));

    private static IReadOnlyList<RuleOutcome> Renal(RuleSet rules, PatientContext patient) =>
        [.. RuleEngine.Evaluate(rules, Input(HookNames.OrderSelect, patient, Metformin())).Where(o => o.Finding.RuleId == "renal-dosing")];

    private static PatientContext Egfr(decimal value) => CkdOnMetformin() with
    {
        Labs = [new LabResult("egfr-1", [Loinc("33914-3")], value, "mL/min/{1.73_m2}", EgfrDate, "final")],
    };

    private static RuleTuningError Invalid(params (string, string, bool, (string, string)[])[] rules) =>
        Assert.Single(Assert.Throws<RuleTuningException>(() => Resolve(rules)).Errors);

    [Fact]
    public void A_disabled_rule_does_not_fire_for_its_tenant_and_still_fires_for_the_others()
    {
        var tuned = Resolve(("north", "renal-dosing", false, []), ("south", "qt-prolonging", true, []));

        Assert.Empty(Renal(tuned["north"], Egfr(25)));
        Assert.DoesNotContain(tuned["north"].Versions, v => v.StartsWith("renal-dosing@", StringComparison.Ordinal));
        Assert.Single(Renal(tuned["south"], Egfr(25)));
        Assert.Same(ShippedRules, tuned["south"]); // naming a rule without changing it tunes nothing
        Assert.Single(Renal(ShippedRules, Egfr(25)));
    }

    [Fact]
    public void The_tenant_id_is_looked_up_ignoring_case_as_the_tenant_settings_are()
    {
        var sets = new TenantRuleSets(ShippedRules, Tenants(("sandbox", "renal-dosing", false, [])));

        Assert.Empty(Renal(sets.For("SANDBOX"), Egfr(25)));
        Assert.Same(sets.For("sandbox"), sets.For("SANDBOX"));
        Assert.Single(Renal(sets.For("other"), Egfr(25)));
    }

    [Fact]
    public void A_raised_egfr_cut_off_fires_where_the_shipped_one_does_not_and_carries_the_overrides_hash()
    {
        var tuned = Resolve(("north", "renal-dosing", true, [("drugs[0].egfrBelow", "45")]))["north"];

        Assert.Empty(Renal(ShippedRules, Egfr(38)));
        var (card, finding) = Assert.Single(Renal(tuned, Egfr(38)));
        Assert.Contains("below 45", card.Summary);
        Assert.Contains("threshold=45", finding.Evidence);
        var hash = RuleTuning.OverridesHash(new Dictionary<string, string> { ["drugs[0].egfrBelow"] = "45" });
        Assert.Equal(hash, finding.OverridesHash);
        Assert.Equal("1.0.0", finding.RuleVersion);
        Assert.Contains($"renal-dosing@1.0.0+{hash}", tuned.Versions);
        Assert.Null(Assert.Single(Renal(ShippedRules, Egfr(25))).Finding.OverridesHash);
    }

    [Fact]
    public void A_lowered_egfr_cut_off_keeps_the_card_away_at_25()
    {
        var tuned = Resolve(("north", "renal-dosing", true, [("drugs[0].EGFRBELOW", "20")]))["north"];

        Assert.Empty(Renal(tuned, Egfr(25)));
        Assert.Single(Renal(tuned, Egfr(19)));
        Assert.Equal(("drugs[0].egfrBelow", "20", true), RuleParameterValues.Of(tuned.Rules.Single(r => r.Id == "renal-dosing"))
            .Single(v => v.Name == "drugs[0].egfrBelow"));
    }

    [Fact]
    public void A_longer_hba1c_interval_turns_an_overdue_gap_into_an_above_target_one()
    {
        var shipped = Assert.Single(RuleEngine.Evaluate(ShippedRules, Input(HookNames.PatientView, Type2DiabeticHighA1c())));
        var tuned = Resolve(("north", "diabetes-hba1c-gap", true, [("lookbackMonths", "12")]))["north"];
        var (card, finding) = Assert.Single(RuleEngine.Evaluate(tuned, Input(HookNames.PatientView, Type2DiabeticHighA1c())));

        Assert.Contains("gap=Overdue", shipped.Finding.Evidence);
        Assert.Contains("gap=AboveTarget", finding.Evidence);
        Assert.Contains("above 9 %", card.Summary);
    }

    [Fact]
    public void The_overrides_hash_ignores_the_order_and_the_spelling_of_the_settings()
    {
        var one = Resolve(("a", "qt-prolonging", true, [("aboveValue", "480"), ("maxAgeDays", "90")]))["a"];
        var other = Resolve(("b", "qt-prolonging", true, [("MaxAgeDays", "90"), ("AboveValue", "480")]))["b"];
        var third = Resolve(("c", "qt-prolonging", true, [("aboveValue", "470"), ("maxAgeDays", "90")]))["c"];

        string? Hash(RuleSet rules) => rules.Rules.Single(r => r.Id == "qt-prolonging").OverridesHash;
        Assert.NotNull(Hash(one));
        Assert.Equal(Hash(one), Hash(other));
        Assert.NotEqual(Hash(one), Hash(third));
    }

    [Fact]
    public void An_unknown_rule_id_is_named_with_the_known_ones()
    {
        var error = Invalid(("sandbox", "renal-dose", true, []));

        Assert.Equal("Tenants:sandbox:Rules:renal-dose", error.Setting);
        Assert.Contains("unknown rule 'renal-dose'", error.Message);
        Assert.Contains("renal-dosing", error.Message);
    }

    [Theory]
    [InlineData("egfrCutoff", "is not a known property")] // not a member of the renal-dosing kind's parameters
    [InlineData("drugs[0].egfrBelw", "is not a known property")]
    [InlineData("drugs[0].egfrBelow", "must be a number", "forty")]
    [InlineData("drugs[0].egfrBelow", "between 0 and 200", "250")]
    [InlineData("maxAgeDays", "must be a positive whole number", "0")]
    [InlineData("maxAgeDays", "must be a number", "1.5")]
    [InlineData("drugs[3].egfrBelow", "has 1 item(s)")]
    [InlineData("drugs", "is a list")]
    [InlineData("drugs..x", "is not a parameter name")]
    public void A_bad_parameter_is_a_start_up_error_naming_its_setting(string name, string message, string value = "45")
    {
        var error = Invalid(("sandbox", "renal-dosing", true, [(name, value)]));

        Assert.Equal($"Tenants:sandbox:Rules:renal-dosing:Parameters:{name}", error.Setting);
        Assert.Contains(message, error.Message);
    }

    [Fact]
    public void A_disabled_rule_is_validated_too_and_every_tenant_problem_is_listed()
    {
        var errors = Assert.Throws<RuleTuningException>(() => Resolve(
            ("north", "renal-dosing", false, [("drugs[0].egfrBelow", "-1")]),
            ("south", "diabetes-hba1c-gap", true, [("aboveValue", "30")]))).Errors;

        Assert.Equal(["Tenants:north:Rules:renal-dosing:Parameters:drugs[0].egfrBelow", "Tenants:south:Rules:diabetes-hba1c-gap:Parameters:aboveValue"],
            errors.Select(e => e.Setting));
    }
}
