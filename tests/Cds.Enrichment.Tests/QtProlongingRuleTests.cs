using System.Text.Json.Nodes;
using Cds.Contracts;
using Cds.Rules;
using Xunit;
using static Cds.Enrichment.Tests.Fixtures;

namespace Cds.Enrichment.Tests;

/// <summary>The qt-prolonging kind (Kinds/QtProlonging): a QT-prolonging draft while the latest recent QTc is above 500 ms.</summary>
public sealed class QtProlongingRuleTests
{
    private const string Topic = "CDSQTPROLONG";
    private static readonly DateTimeOffset QtcDate = new(2026, 11, 25, 8, 15, 0, TimeSpan.Zero);

    private static DraftMedication Citalopram(string? id = "draft-citalopram-1") => new(id, [Rx("2556")], "citalopram");

    private static PatientContext WithQtc(decimal value, DateTimeOffset? effective, string? unit = "ms", string code = "8636-3") => Patient("eQtc") with
    {
        Labs = [new LabResult("qtc-1", [Loinc(code)], value, unit, effective, "final")],
    };

    private static IReadOnlyList<RuleOutcome> QtCards(string hook, PatientContext? patient, params DraftMedication[] drafts) =>
        [.. Evaluate(hook, patient, drafts).Where(o => o.Finding.TopicCode == Topic)];

    [Theory]
    [InlineData(HookNames.OrderSelect)]
    [InlineData(HookNames.OrderSign)]
    public void Citalopram_draft_with_a_recent_qtc_of_520_ms_gets_a_warning_with_value_date_and_a_remove_suggestion(string hook)
    {
        var (card, finding) = Assert.Single(QtCards(hook, WithQtc(520m, QtcDate), Citalopram()));

        Assert.Equal(Indicators.Warning, card.Indicator);
        Assert.Equal("QT risk: citalopram ordered, QTc 520 ms on 2026-11-25 is above 500 ms", card.Summary);
        Assert.Contains("**520 ms**", card.Detail);
        Assert.Contains("torsades de pointes", card.Detail);
        Assert.StartsWith("https://", card.Source.Url);
        Assert.Equal("MedicationRequest/draft-citalopram-1", Assert.Single(Assert.Single(card.Suggestions!).Actions!).ResourceId);
        Assert.NotEmpty(card.OverrideReasons!);
        Assert.Contains("ingredient=rxnorm|2556", finding.Evidence);
        Assert.Contains("qtc=loinc|8636-3", finding.Evidence);
        Assert.Contains("value=520", finding.Evidence);
        Assert.Contains("effective=2026-11-25", finding.Evidence);
        Assert.Contains("threshold=500", finding.Evidence);
        Assert.Equal("qt-prolonging", finding.RuleId);
    }

    [Theory]
    [InlineData(500, 3)] // at the limit: not above
    [InlineData(470, 3)]
    [InlineData(540, 45)] // older than maxAgeDays (30): too old to judge today's risk — no card
    public void Stays_silent_when_the_qtc_is_not_above_500_ms_or_too_old(int qtc, int daysAgo)
    {
        Assert.Empty(QtCards(HookNames.OrderSign, WithQtc(qtc, Now.AddDays(-daysAgo)), Citalopram()));
    }

    [Fact]
    public void An_unknown_qtc_is_not_a_normal_one_and_gives_no_card()
    {
        // Nothing known, no QTc on record, labs missing, a QTc without date or in seconds: unknown, so no claim either way.
        Assert.Empty(QtCards(HookNames.OrderSign, null, Citalopram()));
        Assert.Empty(QtCards(HookNames.OrderSign, NoData(), Citalopram()));
        Assert.Empty(QtCards(HookNames.OrderSign, NoData() with { Gaps = ["labs"] }, Citalopram()));
        Assert.Empty(QtCards(HookNames.OrderSign, WithQtc(530m, null), Citalopram()));
        Assert.Empty(QtCards(HookNames.OrderSign, WithQtc(0.53m, QtcDate, unit: "s"), Citalopram()));
    }

    [Fact]
    public void Uses_the_latest_qtc_not_the_longest()
    {
        var patient = Patient("p") with
        {
            Labs =
            [
                new LabResult("old", [Loinc("8636-3")], 540m, "ms", Now.AddDays(-10), "final"),
                new LabResult("new", [Loinc("76635-2")], 460m, "ms", Now.AddDays(-1), "final"),
            ],
        };

        Assert.Empty(QtCards(HookNames.OrderSign, patient, Citalopram()));

        var worsened = Patient("p") with
        {
            Labs =
            [
                new LabResult("old", [Loinc("8636-3")], 460m, "ms", Now.AddDays(-10), "final"),
                new LabResult("new", [Loinc("76635-2")], 540m, "ms", Now.AddDays(-1), "final"),
            ],
        };
        Assert.Contains("value=540", Assert.Single(QtCards(HookNames.OrderSign, worsened, Citalopram())).Finding.Evidence);
    }

    [Fact]
    public void A_drug_without_qt_risk_gets_no_qt_card_and_a_name_only_draft_is_recognised_by_name()
    {
        var patient = WithQtc(530m, QtcDate, code: "76634-5");
        Assert.Empty(QtCards(HookNames.OrderSelect, patient, Amoxicillin()));

        var local = new DraftMedication("draft-ond-1", [new ClinicalCode("urn:oid:1.2.840.114350.1.13.0.1.7.2.698288", "310000")], "Ondansetron 4 MG Oral Tablet");
        var (card, finding) = Assert.Single(QtCards(HookNames.OrderSelect, patient, local));
        Assert.Contains("ondansetron", card.Summary);
        Assert.Contains("recognised-by=name", finding.Evidence);
        Assert.Contains("qtc=loinc|76634-5", finding.Evidence);
    }

    [Fact]
    public void Does_not_run_on_patient_view()
    {
        Assert.Empty(QtCards(HookNames.PatientView, WithQtc(560m, QtcDate)));
    }
}
