using System.Text.Json;
using Cds.Contracts;
using Cds.Rules;
using Xunit;
using static Cds.Enrichment.Tests.Fixtures;

namespace Cds.Enrichment.Tests;

public sealed class RuleEngineTests
{
    private static readonly string[] AllHooks = [HookNames.PatientView, HookNames.OrderSelect, HookNames.OrderSign];

    [Fact]
    public void No_data_patient_gets_no_cards_on_any_hook()
    {
        foreach (var hook in AllHooks)
        {
            Assert.Empty(Evaluate(hook, NoData(), Amoxicillin(), Metformin(), Enalapril()));
        }
    }

    [Fact]
    public void Unknown_patient_context_gets_no_cards_on_any_hook()
    {
        foreach (var hook in AllHooks)
        {
            Assert.Empty(Evaluate(hook, null, Amoxicillin(), Metformin(), Enalapril()));
        }
    }

    [Fact]
    public void Missing_parts_of_the_chart_do_not_produce_findings()
    {
        var partial = NoData() with { Gaps = ["allergies", "medications", "conditions", "labs"] };

        foreach (var hook in AllHooks)
        {
            Assert.Empty(Evaluate(hook, partial, Amoxicillin(), Metformin(), Enalapril()));
        }
    }

    [Fact]
    public void Partial_data_still_yields_what_it_proves_and_nothing_more()
    {
        // Allergies are present, labs are missing: the allergy card is real; no renal or care-gap claim is made.
        var patient = PenicillinAllergic() with
        {
            Conditions = Type2DiabeticHighA1c().Conditions,
            Gaps = ["labs"],
        };

        var order = Evaluate(HookNames.OrderSign, patient, Amoxicillin(), Metformin());
        Assert.Equal(["CDSDRUGALLERGY"], order.Select(o => o.Finding.TopicCode));
        Assert.Empty(Evaluate(HookNames.PatientView, patient));
    }

    [Fact]
    public void Rules_run_only_on_their_hooks()
    {
        var everything = PenicillinAllergic() with
        {
            Conditions = Type2DiabeticHighA1c().Conditions,
            Labs = [.. Type2DiabeticHighA1c().Labs, .. HighPotassium().Labs, .. CkdOnMetformin().Labs],
            ActiveMedications = OnLisinopril().ActiveMedications,
        };

        var view = Evaluate(HookNames.PatientView, everything, Amoxicillin(), Metformin(), Enalapril());
        Assert.Equal(["CDSCRITICALLAB", "CDSDMHBA1CGAP"], view.Select(o => o.Finding.TopicCode).Order());

        foreach (var hook in new[] { HookNames.OrderSelect, HookNames.OrderSign })
        {
            var order = Evaluate(hook, everything, Amoxicillin(), Metformin(), Enalapril());
            Assert.Equal(["CDSDRUGALLERGY", "CDSDUPTHERAPY", "CDSRENALDOSE"], order.Select(o => o.Finding.TopicCode).Distinct().Order());
        }

        Assert.Empty(Evaluate("order-dispatch", everything, Amoxicillin()));
    }

    [Fact]
    public void Replaying_the_same_hook_gives_the_same_card_and_suggestion_uuids()
    {
        var first = RuleEngine.Evaluate(ShippedRules, Input(HookNames.OrderSign, PenicillinAllergic(), Amoxicillin()));
        var second = RuleEngine.Evaluate(ShippedRules, Input(HookNames.OrderSign, PenicillinAllergic(), Amoxicillin()));

        Assert.Equal(
            JsonSerializer.Serialize(first.Select(o => o.Card), CdsJson.Options),
            JsonSerializer.Serialize(second.Select(o => o.Card), CdsJson.Options));
        Assert.Equal(first[0].Card.Suggestions![0].Uuid, second[0].Card.Suggestions![0].Uuid);

        var guid = Guid.Parse(first[0].Card.Uuid);
        Assert.Equal(5, guid.Version);
    }

    [Fact]
    public void Another_seed_or_another_draft_gives_other_uuids()
    {
        var a = RuleEngine.Evaluate(ShippedRules, Input(HookNames.OrderSign, PenicillinAllergic(), Amoxicillin()))[0].Card;
        var b = RuleEngine.Evaluate(ShippedRules, Input(HookNames.OrderSign, PenicillinAllergic(), Amoxicillin()) with { CardSeed = "tenant-a/another-hook" })[0].Card;
        var c = RuleEngine.Evaluate(ShippedRules, Input(HookNames.OrderSign, PenicillinAllergic(), Amoxicillin("draft-amox-2")))[0].Card;

        Assert.NotEqual(a.Uuid, b.Uuid);
        Assert.NotEqual(a.Uuid, c.Uuid);
        Assert.NotEqual(a.Suggestions![0].Uuid, b.Suggestions![0].Uuid);
    }

    [Fact]
    public void Uuids_do_not_depend_on_the_clock()
    {
        var now = RuleEngine.Evaluate(ShippedRules, Input(HookNames.OrderSign, PenicillinAllergic(), Amoxicillin()))[0].Card.Uuid;
        var later = RuleEngine.Evaluate(ShippedRules, Input(HookNames.OrderSign, PenicillinAllergic(), Amoxicillin()) with { Now = Now.AddMinutes(5) })[0].Card.Uuid;

        Assert.Equal(now, later);
    }

    [Fact]
    public void Deterministic_uuid_is_a_name_based_v5_uuid_and_separates_its_parts()
    {
        var id = DeterministicUuid.Create("seed", "rule", "subject");

        Assert.Equal(id, DeterministicUuid.Create("seed", "rule", "subject"));
        Assert.NotEqual(DeterministicUuid.Create("ab", "c"), DeterministicUuid.Create("a", "bc"));
        var guid = Guid.Parse(id);
        Assert.Equal(5, guid.Version);
        Assert.Contains(id[19], "89ab"); // RFC 9562 variant (10xx)
    }

    [Fact]
    public void Every_card_of_every_fixture_scenario_is_epic_compatible_and_serializes_without_nulls()
    {
        var scenarios = new (string Hook, PatientContext? Context, DraftMedication[] Drafts)[]
        {
            (HookNames.OrderSelect, PenicillinAllergic(), [Amoxicillin(), Amoxicillin(id: null)]),
            (HookNames.OrderSign, CkdOnMetformin(), [Metformin()]),
            (HookNames.OrderSelect, OnLisinopril(), [Enalapril(), Lisinopril()]),
            (HookNames.PatientView, Type2DiabeticHighA1c(), []),
            (HookNames.PatientView, Type2DiabeticHighA1c() with { Labs = [] }, []),
            (HookNames.PatientView, HighPotassium(), []),
            (HookNames.PatientView, NoData(), []),
        };

        var total = 0;
        foreach (var (hook, context, drafts) in scenarios)
        {
            var outcomes = RuleEngine.Evaluate(ShippedRules, Input(hook, context, drafts));
            total += outcomes.Count;
            CardAssert.EpicCompatible(outcomes);
            foreach (var (card, _) in outcomes)
            {
                var json = JsonSerializer.Serialize(card, CdsJson.Options);
                Assert.DoesNotContain("null", json, StringComparison.Ordinal);
                Assert.Contains("\"uuid\"", json, StringComparison.Ordinal);
                Assert.Contains("\"topic\"", json, StringComparison.Ordinal);
                Assert.True(card.Summary.Length < 140);
            }
        }

        Assert.True(total >= 9, $"expected the fixture scenarios to produce cards, got {total}");
    }
}
