using System.Text.Json;
using Cds.Contracts;
using Cds.Rules;
using Xunit;

namespace Cds.Enrichment.Tests;

public sealed class EpicCardRulesTests
{
    private static Card Valid() => new()
    {
        Uuid = "2b7c0f6e-9a53-5c1e-8f44-0d1e2a3b4c5d",
        Summary = "Allergy: amoxicillin ordered",
        Indicator = Indicators.Warning,
        Source = new CardSource { Label = "Drug-allergy check", Topic = new Coding { System = "urn:cds-platform:topic", Code = "CDSDRUGALLERGY" } },
        Detail = "The draft order contains **amoxicillin**.",
        OverrideReasons = [new OverrideReason { Code = "toleratedbefore", System = "urn:cds-platform:override-reason", Display = "Patient has tolerated before" }],
        SelectionBehavior = "any",
        Suggestions =
        [
            new Suggestion
            {
                Label = "Remove",
                Uuid = "0f5e2d1c-4b3a-5968-8776-655443322110",
                Actions = [new CardAction { Type = "delete", Description = "Remove the draft order", ResourceId = "MedicationRequest/1" }],
            },
        ],
    };

    [Fact]
    public void A_valid_card_has_no_violations() => Assert.Empty(EpicCardRules.Violations(Valid()));

    [Fact]
    public void Summary_of_140_characters_is_a_violation() =>
        Assert.Contains(EpicCardRules.Violations(Valid() with { Summary = new string('x', 140) }), v => v.Contains("< 140"));

    [Fact]
    public void Missing_uuids_are_violations()
    {
        var card = Valid() with { Uuid = "" };
        card = card with { Suggestions = [card.Suggestions![0] with { Uuid = " " }] };

        var violations = EpicCardRules.Violations(card);
        Assert.Contains(violations, v => v == "card.uuid is missing");
        Assert.Contains(violations, v => v == "card.suggestions[0].uuid is missing");
    }

    [Theory]
    [InlineData("CDS-DRUG-ALLERGY")]
    [InlineData("")]
    [InlineData("drug allergy")]
    public void Topic_code_must_be_alphanumeric(string code) =>
        Assert.Contains(EpicCardRules.Violations(Valid() with { Source = Valid().Source with { Topic = new Coding { System = "urn:cds-platform:topic", Code = code } } }), v => v.Contains("topic.code"));

    [Fact]
    public void Missing_topic_is_a_violation() =>
        Assert.Contains(EpicCardRules.Violations(Valid() with { Source = new CardSource { Label = "x" } }), v => v.Contains("topic is missing"));

    [Fact]
    public void Selection_behavior_other_than_any_is_a_violation() =>
        Assert.Contains(EpicCardRules.Violations(Valid() with { SelectionBehavior = "at-most-one" }), v => v.Contains("selectionBehavior"));

    [Fact]
    public void Suggestions_without_selection_behavior_are_a_violation() =>
        Assert.Contains(EpicCardRules.Violations(Valid() with { SelectionBehavior = null }), v => v.Contains("selectionBehavior"));

    [Fact]
    public void Two_actions_in_one_suggestion_is_a_violation()
    {
        var suggestion = Valid().Suggestions![0];
        var card = Valid() with { Suggestions = [suggestion with { Actions = [.. suggestion.Actions!, .. suggestion.Actions!] }] };

        Assert.Contains(EpicCardRules.Violations(card), v => v.Contains("exactly one action"));
    }

    [Theory]
    [InlineData("123")]
    [InlineData("MedicationRequest/1,MedicationRequest/2")]
    [InlineData(null)]
    public void Delete_action_needs_one_relative_reference(string? resourceId)
    {
        var suggestion = Valid().Suggestions![0];
        var card = Valid() with { Suggestions = [suggestion with { Actions = [suggestion.Actions![0] with { ResourceId = resourceId }] }] };

        Assert.Contains(EpicCardRules.Violations(card), v => v.Contains("resourceId"));
    }

    [Fact]
    public void Delete_action_accepts_Epics_long_draft_ids()
    {
        var suggestion = Valid().Suggestions![0];
        var id = "MedicationRequest/" + string.Concat(Enumerable.Repeat("eA1.b-", 20)); // 120 characters, as Epic's draft ids
        var card = Valid() with { Suggestions = [suggestion with { Actions = [suggestion.Actions![0] with { ResourceId = id }] }] };

        Assert.Empty(EpicCardRules.Violations(card));
    }

    [Fact]
    public void Topic_without_a_system_is_a_violation() =>
        Assert.Contains(EpicCardRules.Violations(Valid() with { Source = Valid().Source with { Topic = new Coding { Code = "CDSDRUGALLERGY" } } }),
            v => v.Contains("topic.system"));

    [Fact]
    public void App_context_on_an_absolute_link_is_a_violation()
    {
        var link = new Link { Label = "Guideline", Url = "https://example.org/g", Type = "absolute", AppContext = "x" };

        Assert.Contains(EpicCardRules.Violations(Valid() with { Links = [link] }), v => v.Contains("appContext"));
        Assert.Empty(EpicCardRules.Violations(Valid() with { Links = [link with { Type = "smart" }] }));
    }

    [Fact]
    public void Html_detail_needs_the_content_type_extension()
    {
        var html = Valid() with { Detail = "<b>Stop</b> the order" };

        Assert.Contains(EpicCardRules.Violations(html), v => v.Contains(EpicCardRules.DetailContentTypeExtension));
        Assert.Empty(EpicCardRules.Violations(html with
        {
            Extension = new Dictionary<string, string> { [EpicCardRules.DetailContentTypeExtension] = "text/html" },
        }));
    }

    [Fact]
    public void Empty_optional_members_are_violations()
    {
        var card = Valid() with { OverrideReasons = [], Detail = "", Suggestions = null, SelectionBehavior = null, Links = [] };

        var violations = EpicCardRules.Violations(card);
        Assert.Contains(violations, v => v.Contains("card.overrideReasons is an empty array"));
        Assert.Contains(violations, v => v.Contains("card.links is an empty array"));
        Assert.Contains(violations, v => v.Contains("card.detail is an empty string"));
    }

    [Fact]
    public void Resource_id_is_written_as_one_string_and_legacy_one_element_arrays_still_read()
    {
        var action = new CardAction { Type = "delete", Description = "Remove", ResourceId = "MedicationRequest/1" };
        Assert.Equal("""{"type":"delete","description":"Remove","resourceId":"MedicationRequest/1"}""", JsonSerializer.Serialize(action, CdsJson.Options));

        // Cards stored before resourceId became a string (event store) keep loading.
        var legacy = JsonSerializer.Deserialize<CardAction>("""{"type":"delete","description":"Remove","resourceId":["MedicationRequest/1"]}""", CdsJson.Options)!;
        Assert.Equal("MedicationRequest/1", legacy.ResourceId);
        Assert.Throws<JsonException>(() => JsonSerializer.Deserialize<CardAction>(
            """{"type":"delete","description":"Remove","resourceId":["MedicationRequest/1","MedicationRequest/2"]}""", CdsJson.Options));
    }

    [Fact]
    public void Serialized_card_has_camel_case_names_and_no_nulls()
    {
        var json = JsonSerializer.Serialize(Valid() with { Detail = null }, CdsJson.Options);

        Assert.DoesNotContain("null", json);
        Assert.Contains("\"selectionBehavior\":\"any\"", json);
        Assert.Contains("\"resourceId\":\"MedicationRequest/1\"", json);
        Assert.Contains("\"overrideReasons\":[{\"code\":\"toleratedbefore\"", json);
    }
}
