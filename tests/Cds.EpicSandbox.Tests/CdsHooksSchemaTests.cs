using System.Text.Json.Nodes;
using Cds.EpicSandbox.Conformance;
using Cds.Testing;
using Xunit;

namespace Cds.EpicSandbox.Tests;

/// <summary>
/// The CDS Hooks 2.0 schemas against the spec's own examples (tests/data/cds-hooks/examples) and against answers
/// broken one rule at a time: a schema that cannot fail proves nothing.
/// </summary>
public sealed class CdsHooksSchemaTests
{
    private static string Example(string name) => File.ReadAllText(RepoSources.Combine("tests", "data", "cds-hooks", "examples", name));

    private static JsonObject ExampleNode(string name) => JsonNode.Parse(Example(name))!.AsObject();

    private static IReadOnlyList<SchemaViolation> Response(JsonNode body) => CdsHooksSchema.Validate(CdsHooksDocument.Response, body.ToJsonString());

    private static IReadOnlyList<SchemaViolation> Discovery(JsonNode body) => CdsHooksSchema.Validate(CdsHooksDocument.Discovery, body.ToJsonString());

    /// <summary>A card of the shape our services send: suggestion with a delete action, override reasons, both link types.</summary>
    private static JsonObject Good() => JsonNode.Parse("""
        {
          "cards": [{
            "uuid": "2b7c0f6e-9a53-5c1e-8f44-0d1e2a3b4c5d",
            "summary": "Allergy: amoxicillin ordered for a patient allergic to penicillins",
            "detail": "The draft order contains **amoxicillin**.",
            "indicator": "critical",
            "source": {
              "label": "Drug-allergy check",
              "url": "https://example.org/rules/drug-allergy",
              "topic": { "system": "urn:cds-platform:topic", "code": "CDSDRUGALLERGY", "display": "Drug-allergy interaction" }
            },
            "suggestions": [{
              "label": "Remove the amoxicillin order",
              "uuid": "0f5e2d1c-4b3a-5968-8776-655443322110",
              "isRecommended": true,
              "actions": [{ "type": "delete", "description": "Remove the draft order", "resourceId": "MedicationRequest/draft-amox-1" }]
            }],
            "selectionBehavior": "any",
            "overrideReasons": [{ "system": "urn:cds-platform:override-reason", "code": "toleratedbefore", "display": "Patient has tolerated before" }],
            "links": [
              { "label": "Guideline", "url": "https://example.org/guideline", "type": "absolute" },
              { "label": "App", "url": "https://smart.example.org/launch", "type": "smart", "appContext": "{\"k\":1}" }
            ]
          }]
        }
        """)!.AsObject();

    private static JsonObject Card(JsonObject response) => response["cards"]![0]!.AsObject();

    private static JsonObject Action(JsonObject response) => Card(response)["suggestions"]![0]!["actions"]![0]!.AsObject();

    [Theory]
    [InlineData("spec2.0-card-response-links-overrideReasons.json")]
    [InlineData("spec2.0-response-no-guidance-empty-cards.json")]
    public void Spec_response_examples_are_valid(string file) =>
        Assert.Empty(CdsHooksSchema.Validate(CdsHooksDocument.Response, Example(file)));

    [Theory]
    [InlineData("spec2.0-discovery-response.json")]
    [InlineData("spec2.0-discovery-with-extension.json")]
    public void Spec_discovery_examples_are_valid(string file) =>
        Assert.Empty(CdsHooksSchema.Validate(CdsHooksDocument.Discovery, Example(file)));

    [Theory]
    [InlineData("spec2.0-action-create.json")]
    [InlineData("spec2.0-action-update.json")]
    [InlineData("spec2.0-action-delete.json")]
    public void Spec_action_examples_are_valid_in_a_suggestion_and_as_system_actions(string file)
    {
        var inSuggestion = Good();
        Card(inSuggestion)["suggestions"]![0]!["actions"] = new JsonArray(ExampleNode(file));
        Assert.Empty(Response(inSuggestion));

        var system = new JsonObject { ["cards"] = new JsonArray(), ["systemActions"] = new JsonArray(ExampleNode(file)) };
        Assert.Empty(Response(system));
    }

    [Fact]
    public void Spec_source_and_override_reason_fragments_are_valid_in_a_card()
    {
        var response = Good();
        Card(response)["source"] = ExampleNode("spec2.0-card-source-with-topic.json")["source"]!.DeepClone();
        Card(response)["overrideReasons"] = ExampleNode("spec2.0-card-overrideReasons.json")["overrideReasons"]!.DeepClone();
        Assert.Empty(Response(response));
    }

    [Fact]
    public void Our_card_shape_is_valid() => Assert.Empty(Response(Good()));

    /// <summary>
    /// Examples that break the spec's normative tables, each in exactly one documented way: the schema names that way
    /// and nothing else, and accepts the example once it is mended. (Examples are informative; the tables and the
    /// requirement list are what a strict client enforces.)
    /// </summary>
    [Theory]
    // 2.0 autolaunchable example: no indicator, which the Card table makes REQUIRED (req 87).
    [InlineData("spec2.0-card-response-autolaunchable.json", "/cards/0", "required", "indicator")]
    // 2.0 System Action example: the action has no description, REQUIRED for an Action (req 128).
    [InlineData("spec2.0-response-systemActions.json", "/systemActions/0", "required", "description")]
    public void Examples_that_break_a_required_field_fail_there_only(string file, string pointer, string keyword, string missing)
    {
        var violations = CdsHooksSchema.Validate(CdsHooksDocument.Response, Example(file));
        var violation = Assert.Single(violations);
        Assert.Equal(pointer, violation.Pointer);
        Assert.Equal(keyword, violation.Keyword);
        Assert.Contains(missing, violation.Message, StringComparison.Ordinal);
        Assert.Contains("req ", violation.Requirement, StringComparison.Ordinal);

        var mended = ExampleNode(file);
        var target = pointer.Split('/', StringSplitOptions.RemoveEmptyEntries)
            .Aggregate((JsonNode)mended, (node, segment) => int.TryParse(segment, out var i) ? node[i]! : node[segment]!).AsObject();
        target[missing] = missing == "indicator" ? "info" : "mended";
        Assert.Empty(Response(mended));
    }

    [Fact]
    public void Epics_basic_example_lacks_a_source_label_and_a_topic_system()
    {
        // Epic's tutorial card: source has no label (req 105) and its topic Coding no system (req 217).
        var violations = CdsHooksSchema.Validate(CdsHooksDocument.Response, Example("epic-card-response-basic.trailing-commas-removed.json"));
        Assert.Equal(2, violations.Count);
        Assert.Contains(violations, v => v.Pointer == "/cards/0/source" && v.Keyword == "required" && v.Message.Contains("label", StringComparison.Ordinal));
        Assert.Contains(violations, v => v.Pointer == "/cards/0/source/topic" && v.Keyword == "required" && v.Message.Contains("system", StringComparison.Ordinal));

        var mended = ExampleNode("epic-card-response-basic.trailing-commas-removed.json");
        Card(mended)["source"]!["label"] = "Epic example";
        Card(mended)["source"]!["topic"]!["system"] = "urn:example:topic";
        Assert.Empty(Response(mended));
    }

    [Fact]
    public void Epics_links_overrides_and_suggestions_example_lacks_selection_behavior_and_a_display()
    {
        var violations = CdsHooksSchema.Validate(CdsHooksDocument.Response, Example("epic-card-response-links-overrides-suggestions.trailing-commas-removed.json"));
        Assert.Equal(2, violations.Count);
        Assert.Contains(violations, v => v.Pointer == "/cards/0" && v.Keyword == "dependentRequired" && v.Requirement.Contains("req 93", StringComparison.Ordinal));
        Assert.Contains(violations, v => v.Pointer == "/cards/0/overrideReasons/1" && v.Keyword == "required" && v.Message.Contains("display", StringComparison.Ordinal));

        var mended = ExampleNode("epic-card-response-links-overrides-suggestions.trailing-commas-removed.json");
        Card(mended)["selectionBehavior"] = "any";
        Card(mended)["overrideReasons"]![1]!["display"] = "See comment";
        Assert.Empty(Response(mended));
    }

    public static TheoryData<string, string, string> BrokenResponses() => new()
    {
        // name of the break, the pointer it must be reported at, the keyword that fails
        { "resourceId as the old array", "/cards/0/suggestions/0/actions/0/resourceId", "type" },
        { "resourceId not a relative reference", "/cards/0/suggestions/0/actions/0/resourceId", "pattern" },
        { "suggestions without selectionBehavior", "/cards/0", "dependentRequired" },
        { "selectionBehavior outside at-most-one|any", "/cards/0/selectionBehavior", "enum" },
        { "indicator outside info|warning|critical", "/cards/0/indicator", "enum" },
        { "no indicator", "/cards/0", "required" },
        { "unknown action type", "/cards/0/suggestions/0/actions/0/type", "enum" },
        { "action without description", "/cards/0/suggestions/0/actions/0", "required" },
        { "create without resource", "/cards/0/suggestions/0/actions/0", "required" },
        { "resource as a string id", "/cards/0/suggestions/0/actions/0/resource", "type" },
        { "summary of 140 characters", "/cards/0/summary", "maxLength" },
        { "source without label", "/cards/0/source", "required" },
        { "source url not a URL", "/cards/0/source/url", "format" },
        { "topic without system", "/cards/0/source/topic", "required" },
        { "override reason without display", "/cards/0/overrideReasons/0", "required" },
        { "link type outside absolute|smart", "/cards/0/links/0/type", "enum" },
        { "appContext on an absolute link", "/cards/0/links/0", "not" },
        { "isRecommended as a string", "/cards/0/suggestions/0/isRecommended", "type" },
        { "a field the spec does not define", "/cards/0/resourceIds", "additionalProperties" },
        { "empty suggestions", "/cards/0/suggestions", "minItems" },
        { "null detail", "/cards/0/detail", "type" },
        { "no cards", "", "required" },
        { "systemActions not an array", "/systemActions", "type" },
    };

    [Theory]
    [MemberData(nameof(BrokenResponses))]
    public void A_response_broken_one_way_is_refused_at_that_place(string name, string pointer, string keyword)
    {
        var response = Good();
        var card = Card(response);
        var action = Action(response);
        switch (name)
        {
            case "resourceId as the old array": action["resourceId"] = new JsonArray("MedicationRequest/draft-amox-1"); break;
            case "resourceId not a relative reference": action["resourceId"] = "draft-amox-1"; break;
            case "suggestions without selectionBehavior": card.Remove("selectionBehavior"); break;
            case "selectionBehavior outside at-most-one|any": card["selectionBehavior"] = "all"; break;
            case "indicator outside info|warning|critical": card["indicator"] = "hard-stop"; break;
            case "no indicator": card.Remove("indicator"); break;
            case "unknown action type": action["type"] = "remove"; break;
            case "action without description": action.Remove("description"); break;
            case "create without resource": action["type"] = "create"; break;
            case "resource as a string id": action["resource"] = "MedicationRequest/draft-amox-1"; break;
            case "summary of 140 characters": card["summary"] = new string('s', 140); break;
            case "source without label": card["source"]!.AsObject().Remove("label"); break;
            case "source url not a URL": card["source"]!["url"] = "not a url"; break;
            case "topic without system": card["source"]!["topic"]!.AsObject().Remove("system"); break;
            case "override reason without display": card["overrideReasons"]![0]!.AsObject().Remove("display"); break;
            case "link type outside absolute|smart": card["links"]![0]!["type"] = "relative"; break;
            case "appContext on an absolute link": card["links"]![0]!["appContext"] = "x"; break;
            case "isRecommended as a string": card["suggestions"]![0]!["isRecommended"] = "true"; break;
            case "a field the spec does not define": card["resourceIds"] = new JsonArray("MedicationRequest/1"); break;
            case "empty suggestions": card["suggestions"] = new JsonArray(); break;
            case "null detail": card["detail"] = null; break;
            case "no cards": response.Remove("cards"); break;
            case "systemActions not an array": response["systemActions"] = new JsonObject(); break;
            default: throw new ArgumentException(name);
        }

        var violations = Response(response);
        Assert.Contains(violations, v => v.Pointer == pointer && v.Keyword == keyword);
        Assert.All(violations, v => Assert.NotEqual("", v.Requirement));
    }

    [Fact]
    public void A_summary_of_139_characters_is_accepted()
    {
        var response = Good();
        Card(response)["summary"] = new string('s', 139);
        Assert.Empty(Response(response));
    }

    [Fact]
    public void A_violation_names_its_pointer_and_requirement()
    {
        var response = Good();
        Action(response)["resourceId"] = new JsonArray("MedicationRequest/draft-amox-1");

        var text = CdsHooksSchema.Summary(CdsHooksDocument.Response, Response(response));
        Assert.Contains("/cards/0/suggestions/0/actions/0/resourceId", text, StringComparison.Ordinal);
        Assert.Contains("req 135", text, StringComparison.Ordinal);
        Assert.Equal("schema: CDS Hooks 2.0 response valid", CdsHooksSchema.Summary(CdsHooksDocument.Response, Response(Good())));
        Assert.Single(CdsHooksSchema.Validate(CdsHooksDocument.Response, "{\"cards\": ["), v => v.Keyword == "json");
    }

    public static TheoryData<string, string, string> BrokenDiscoveries() => new()
    {
        { "service without id", "/services/0", "required" },
        { "service without description", "/services/0", "required" },
        { "service without hook", "/services/0", "required" },
        { "id with a slash", "/services/0/id", "pattern" },
        { "prefetch token that is not context.* nor a user id", "/services/0/prefetch/patientToGreet", "pattern" },
        { "empty prefetch", "/services/0/prefetch", "minProperties" },
        { "no services", "", "required" },
    };

    [Theory]
    [MemberData(nameof(BrokenDiscoveries))]
    public void A_discovery_document_broken_one_way_is_refused_at_that_place(string name, string pointer, string keyword)
    {
        var discovery = ExampleNode("spec2.0-discovery-response.json");
        var service = discovery["services"]![0]!.AsObject();
        switch (name)
        {
            case "service without id": service.Remove("id"); break;
            case "service without description": service.Remove("description"); break;
            case "service without hook": service.Remove("hook"); break;
            case "id with a slash": service["id"] = "static/patient-greeter"; break;
            case "prefetch token that is not context.* nor a user id": service["prefetch"]!["patientToGreet"] = "Patient/{{patientId}}"; break;
            case "empty prefetch": service["prefetch"] = new JsonObject(); break;
            case "no services": discovery.Remove("services"); break;
            default: throw new ArgumentException(name);
        }

        Assert.Contains(Discovery(discovery), v => v.Pointer == pointer && v.Keyword == keyword);
    }
}
