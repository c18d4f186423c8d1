using Cds.Contracts;
using Cds.Rules;
using Xunit;
using static Cds.Enrichment.Tests.Fixtures;

namespace Cds.Enrichment.Tests;

public sealed class PatientRuleTests
{
    [Fact]
    public void Type2_diabetic_with_last_hba1c_8_months_ago_gets_a_care_gap_card_showing_it()
    {
        var (card, finding) = Assert.Single(Evaluate(HookNames.PatientView, Type2DiabeticHighA1c()));

        Assert.Equal("CDSDMHBA1CGAP", card.Source.Topic!.Code);
        Assert.Equal(Indicators.Info, card.Indicator);
        Assert.Contains("no HbA1c in 6 months", card.Summary);
        Assert.Contains("10.2 %", card.Summary);
        Assert.Contains(CardText.Date(HbA1cDate), card.Summary);
        Assert.Contains("**10.2 %**", card.Detail);
        Assert.Null(card.OverrideReasons);
        Assert.Null(card.Suggestions);
        Assert.False(finding.FlagForDocumentation);
        Assert.Contains("gap=Overdue", finding.Evidence);
        Assert.Contains("hba1c=loinc|4548-4", finding.Evidence);
        Assert.Contains("condition=snomed|44054006", finding.Evidence);
        Assert.Contains("condition=icd10cm|E119", finding.Evidence);
    }

    [Fact]
    public void Recent_hba1c_above_9_percent_is_a_care_gap()
    {
        var patient = Type2DiabeticHighA1c() with
        {
            Labs = [new LabResult("a", [Loinc("17856-6")], 9.4m, "%", Now.AddMonths(-2), "final")],
        };

        var (card, finding) = Assert.Single(Evaluate(HookNames.PatientView, patient));

        Assert.Contains("9.4 %", card.Summary);
        Assert.Contains("above 9 %", card.Summary);
        Assert.Contains("gap=AboveTarget", finding.Evidence);
    }

    [Theory]
    [InlineData(7.0)]
    [InlineData(9.0)] // at target is not above it
    public void Recent_hba1c_at_or_below_target_gives_no_card(double value)
    {
        var patient = Type2DiabeticHighA1c() with
        {
            Labs = [.. Type2DiabeticHighA1c().Labs, new LabResult("a", [Loinc("4548-4")], (decimal)value, "%", Now.AddMonths(-1), "final")],
        };

        Assert.Empty(Evaluate(HookNames.PatientView, patient));
    }

    [Fact]
    public void Icd10_e11_child_code_alone_identifies_type_2_diabetes()
    {
        var patient = Type2DiabeticHighA1c() with
        {
            Conditions = [new ConditionEntry("c", [new ClinicalCode("urn:oid:2.16.840.1.113883.6.90", "E11.65")], "active", null, null)],
        };

        Assert.Single(Evaluate(HookNames.PatientView, patient));
    }

    [Fact]
    public void Type2_diabetic_with_no_hba1c_at_all_and_complete_labs_gets_the_none_on_record_card()
    {
        var patient = Type2DiabeticHighA1c() with { Labs = [] };

        var (card, finding) = Assert.Single(Evaluate(HookNames.PatientView, patient));

        Assert.Equal("Care gap: type 2 diabetes, no HbA1c in the last 6 months", card.Summary);
        Assert.Contains("hba1c=none", finding.Evidence);
    }

    [Fact]
    public void Labs_gap_means_no_care_gap_claim()
    {
        var patient = Type2DiabeticHighA1c() with { Labs = [], Gaps = ["labs"] };

        Assert.Empty(Evaluate(HookNames.PatientView, patient));
        Assert.Empty(Evaluate(HookNames.PatientView, Type2DiabeticHighA1c() with { Gaps = ["Observation"] }));
    }

    [Fact]
    public void A_gap_named_with_its_reason_counts_as_a_gap()
    {
        var patient = Type2DiabeticHighA1c() with { Gaps = ["labs: result cut by page limit after 5 page(s); later entries are missing"] };

        Assert.Empty(Evaluate(HookNames.PatientView, patient));
    }

    [Fact]
    public void An_hba1c_the_rule_cannot_compare_blocks_the_none_on_record_claim()
    {
        // The context keeps only the latest HbA1c; here it is an IFCC result in mmol/mol.
        var patient = Type2DiabeticHighA1c() with
        {
            Labs = [new LabResult("ifcc", [Loinc("59261-8")], 88m, "mmol/mol", Now.AddMonths(-1), "final")],
        };

        Assert.Empty(Evaluate(HookNames.PatientView, patient));
    }

    [Fact]
    public void Hba1c_in_an_unexpected_unit_is_not_compared()
    {
        var patient = Type2DiabeticHighA1c() with
        {
            Labs = [new LabResult("a", [Loinc("4548-4")], 75m, "mmol/mol", Now.AddMonths(-1), "final")],
        };

        Assert.Empty(Evaluate(HookNames.PatientView, patient));
    }

    [Fact]
    public void Hba1c_without_a_date_makes_the_gap_unknown()
    {
        var patient = Type2DiabeticHighA1c() with
        {
            Labs = [.. Type2DiabeticHighA1c().Labs, new LabResult("undated", [Loinc("4548-4")], 6.9m, "%", null, "final")],
        };

        Assert.Empty(Evaluate(HookNames.PatientView, patient));
    }

    [Theory]
    [InlineData("resolved")]
    [InlineData("inactive")]
    public void Resolved_diabetes_gives_no_care_gap(string status)
    {
        var patient = Type2DiabeticHighA1c() with
        {
            Conditions = [new ConditionEntry("c", [Sct("44054006")], status, null, null)],
        };

        Assert.Empty(Evaluate(HookNames.PatientView, patient));
    }

    [Fact]
    public void Potassium_6_4_within_72_hours_gives_a_critical_card()
    {
        var (card, finding) = Assert.Single(Evaluate(HookNames.PatientView, HighPotassium()));

        Assert.Equal(Indicators.Critical, card.Indicator);
        Assert.Equal("CDSCRITICALLAB", card.Source.Topic!.Code);
        Assert.Contains("Potassium 6.4 mmol/L", card.Summary);
        Assert.Contains("above 6 mmol/L", card.Summary);
        Assert.NotEmpty(card.OverrideReasons!);
        Assert.True(finding.FlagForDocumentation);
        Assert.Contains("lab=loinc|2823-3", finding.Evidence);
        Assert.Contains("value=6.4", finding.Evidence);
        Assert.Contains("limit=above:6", finding.Evidence);
    }

    [Theory]
    [InlineData(5.1, 6)]
    [InlineData(6.0, 6)] // at the limit is not above it
    [InlineData(6.4, 24 * 10)] // not recent
    public void Normal_or_old_potassium_gives_no_card(double value, double hoursAgo)
    {
        Assert.Empty(Evaluate(HookNames.PatientView, HighPotassium((decimal)value, hoursAgo)));
    }

    [Fact]
    public void Only_the_latest_potassium_counts()
    {
        var patient = HighPotassium() with
        {
            Labs = [.. HighPotassium().Labs, new LabResult("k-2", [Loinc("6298-4")], 4.8m, "mEq/L", Now.AddHours(-1), "final")],
        };

        Assert.Empty(Evaluate(HookNames.PatientView, patient));
    }

    [Fact]
    public void Both_patient_view_rules_fire_together_most_severe_first()
    {
        var patient = Type2DiabeticHighA1c() with { Labs = [.. Type2DiabeticHighA1c().Labs, .. HighPotassium().Labs] };

        var outcomes = Evaluate(HookNames.PatientView, patient);

        Assert.Equal(["CDSCRITICALLAB", "CDSDMHBA1CGAP"], outcomes.Select(o => o.Finding.TopicCode));
    }
}
