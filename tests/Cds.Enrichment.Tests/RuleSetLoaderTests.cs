using System.Text.Json.Nodes;
using Cds.Contracts;
using Cds.Rules;
using Xunit;

namespace Cds.Enrichment.Tests;

public sealed class RuleSetLoaderTests : IDisposable
{
    private static readonly string ShippedDirectory = Path.Combine(AppContext.BaseDirectory, RuleSetLoader.DefaultRelativeDirectory);
    private readonly string _temp = Path.Combine(Path.GetTempPath(), "cds-rules-" + Guid.NewGuid().ToString("N"));

    public RuleSetLoaderTests()
    {
        Directory.CreateDirectory(_temp);
        foreach (var file in Directory.GetFiles(ShippedDirectory, "*.json"))
        {
            File.Copy(file, Path.Combine(_temp, Path.GetFileName(file)));
        }
    }

    public void Dispose() => Directory.Delete(_temp, recursive: true);

    private void Mutate(string file, Action<JsonObject> change)
    {
        var path = Path.Combine(_temp, file);
        var json = JsonNode.Parse(File.ReadAllText(path))!.AsObject();
        change(json);
        File.WriteAllText(path, json.ToJsonString());
    }

    private RuleSetValidationException Invalid() => Assert.Throws<RuleSetValidationException>(() => RuleSetLoader.Load(_temp));

    private static void AssertProblem(RuleSetValidationException ex, string file, string path, string fragment) =>
        Assert.True(ex.Errors.Any(e => e.File == file && e.Path == path && e.Message.Contains(fragment, StringComparison.OrdinalIgnoreCase)),
            $"no '{fragment}' at {file} {path} in: {ex.Message}");

    [Fact]
    public void Shipped_rule_files_load_and_validate()
    {
        var rules = RuleSetLoader.Load(ShippedDirectory);

        Assert.Equal(
            ["critical-lab", "diabetes-hba1c-gap", "drug-allergy", "duplicate-therapy", "qt-prolonging", "renal-dosing"],
            rules.Rules.Select(r => r.Id).Order());
        Assert.Contains("drug-allergy@1.0.0", rules.Versions);
        Assert.Contains("drug-vocabulary@1.1.0", rules.Versions);
        Assert.Equal(["critical-lab", "diabetes-hba1c-gap"], rules.RulesFor(HookNames.PatientView).Select(r => r.Id).Order());
        Assert.Equal(["drug-allergy", "duplicate-therapy", "qt-prolonging", "renal-dosing"], rules.RulesFor(HookNames.OrderSelect).Select(r => r.Id).Order());
        Assert.Equal(["drug-allergy", "duplicate-therapy", "qt-prolonging", "renal-dosing"], rules.RulesFor(HookNames.OrderSign).Select(r => r.Id).Order());
        Assert.All(rules.Rules, r => Assert.Matches("^[A-Za-z0-9]{1,100}$", r.Topic.Code));
    }

    [Fact]
    public void Shipped_vocabulary_maps_products_and_ingredients_and_allergy_codes()
    {
        var vocabulary = RuleSetLoader.Load(ShippedDirectory).Vocabulary;

        Assert.Equal(["amoxicillin"], vocabulary.IngredientsOf([Fixtures.Rx("308191")]));
        Assert.Equal(["amoxicillin"], vocabulary.IngredientsOf([Fixtures.Rx("723")]));
        Assert.Equal(["metformin"], vocabulary.IngredientsOf([Fixtures.Rx("861007")]));
        Assert.Equal(["enalapril"], vocabulary.IngredientsOf([Fixtures.Rx("858817")]));
        Assert.Equal(["ace-inhibitors"], vocabulary.ClassesOf(["lisinopril"]));
        Assert.Equal(["penicillin-v"], vocabulary.IngredientsOf([Fixtures.Rx("7984")]));
        Assert.Empty(vocabulary.IngredientsOf([Fixtures.Sct("723")]));

        foreach (var code in new[] { Fixtures.Sct("91936005"), Fixtures.Sct("764146007"), Fixtures.Sct("373270004"), Fixtures.Rx("70618") })
        {
            Assert.Equal(["penicillins"], vocabulary.AllergensOf([code]).Classes);
        }

        var amoxicillinAllergy = vocabulary.AllergensOf([Fixtures.Sct("294505008")]);
        Assert.Equal(["amoxicillin"], amoxicillinAllergy.Ingredients);
        Assert.Equal(["penicillins"], amoxicillinAllergy.Classes); // cross-reactive class
    }

    [Fact]
    public void Every_problem_is_reported_in_one_exception_with_file_and_json_path()
    {
        Mutate("drug-allergy.json", j =>
        {
            j["version"] = "v1";
            j["indicator"] = "urgent";
            j["topic"]!["code"] = "CDS-DRUG-ALLERGY";
        });
        // A structural problem (from the file's records) is reported first and alone for its file; the meaning of a
        // well-formed file is checked in full.
        Mutate("renal-dosing.json", j => j["parameters"]!["drugs"]![0]!.AsObject().Remove("egfrBelow"));
        Mutate("critical-lab.json", j => j["parameters"]!["labs"]![0]!["codes"]![0]!["code"] = "2823-4");

        var ex = Invalid();

        AssertProblem(ex, "drug-allergy.json", "$.version", "not a version");
        AssertProblem(ex, "drug-allergy.json", "$.indicator", "unknown indicator");
        AssertProblem(ex, "drug-allergy.json", "$.topic.code", "letters or digits");
        AssertProblem(ex, "renal-dosing.json", "$.parameters.drugs[0].egfrBelow", "required");
        AssertProblem(ex, "critical-lab.json", "$.parameters.labs[0].codes[0].code", "check digit");
        Assert.Equal(5, ex.Errors.Count);
        Assert.Contains("drug-allergy.json $.version", ex.Message);
        Assert.Contains("renal-dosing.json $.parameters.drugs[0].egfrBelow", ex.Message);
    }

    [Fact]
    public void Duplicate_rule_ids_are_rejected()
    {
        Mutate("renal-dosing.json", j => j["id"] = "drug-allergy");

        AssertProblem(Invalid(), "renal-dosing.json", "$.id", "duplicate id 'drug-allergy'");
    }

    [Fact]
    public void Two_rules_cannot_share_a_topic_code()
    {
        Mutate("renal-dosing.json", j => j["topic"]!["code"] = "CDSDRUGALLERGY");

        AssertProblem(Invalid(), "renal-dosing.json", "$.topic.code", "also used");
    }

    [Fact]
    public void Topic_without_a_system_is_rejected()
    {
        // A CDS Hooks Coding's system is required (CDS Hooks 2.0 "Coding", requirement 217).
        Mutate("duplicate-therapy.json", j => j["topic"]!.AsObject().Remove("system"));

        AssertProblem(Invalid(), "duplicate-therapy.json", "$.topic.system", "is required");
    }

    [Fact]
    public void Topic_code_longer_than_100_characters_is_rejected()
    {
        Mutate("critical-lab.json", j => j["topic"]!["code"] = new string('A', 101));

        AssertProblem(Invalid(), "critical-lab.json", "$.topic.code", "1–100");
    }

    [Fact]
    public void Summary_template_that_can_render_140_characters_or_more_is_rejected()
    {
        Mutate("duplicate-therapy.json", j =>
            j["templates"]!["summaryClass"] = "Duplicate therapy: the draft order for {drug} duplicates the active medication {activeDrug}, which belongs to the same class ({class}) of drugs");

        AssertProblem(Invalid(), "duplicate-therapy.json", "$.templates.summaryClass", "under 140");
    }

    [Fact]
    public void Unknown_placeholders_and_missing_templates_are_rejected()
    {
        Mutate("critical-lab.json", j =>
        {
            j["templates"]!["summary"] = "Critical: {lab} {value} {patientName}";
            j["templates"]!.AsObject().Remove("detail");
        });

        var ex = Invalid();
        AssertProblem(ex, "critical-lab.json", "$.templates.summary", "{patientName}");
        AssertProblem(ex, "critical-lab.json", "$.templates.detail", "required");
    }

    [Fact]
    public void Unknown_code_system_is_rejected()
    {
        Mutate("diabetes-hba1c-gap.json", j => j["parameters"]!["conditionCodes"]![0]!["system"] = "http://snomed.example.org");

        AssertProblem(Invalid(), "diabetes-hba1c-gap.json", "$.parameters.conditionCodes[0].system", "unknown code system");
    }

    [Fact]
    public void Codes_of_the_wrong_system_for_their_place_are_rejected()
    {
        Mutate("critical-lab.json", j => j["parameters"]!["labs"]![0]!["codes"]![0]!["system"] = CodeSystems.Snomed);

        AssertProblem(Invalid(), "critical-lab.json", "$.parameters.labs[0].codes[0].system", "not expected here");
    }

    [Fact]
    public void Snomed_code_with_a_wrong_check_digit_is_rejected()
    {
        Mutate("diabetes-hba1c-gap.json", j => j["parameters"]!["conditionCodes"]![0]!["code"] = "44054007");

        AssertProblem(Invalid(), "diabetes-hba1c-gap.json", "$.parameters.conditionCodes[0].code", "Verhoeff");
    }

    [Fact]
    public void Critical_lab_without_a_threshold_is_rejected()
    {
        Mutate("critical-lab.json", j => j["parameters"]!["labs"]![0]!.AsObject().Remove("above"));

        AssertProblem(Invalid(), "critical-lab.json", "$.parameters.labs[0].above", "threshold");
    }

    [Fact]
    public void Missing_hba1c_threshold_is_rejected()
    {
        Mutate("diabetes-hba1c-gap.json", j => j["parameters"]!.AsObject().Remove("aboveValue"));

        AssertProblem(Invalid(), "diabetes-hba1c-gap.json", "$.parameters.aboveValue", "required");
    }

    [Fact]
    public void Hba1c_look_back_must_be_positive()
    {
        Mutate("diabetes-hba1c-gap.json", j => j["parameters"]!["lookbackMonths"] = 0);

        AssertProblem(Invalid(), "diabetes-hba1c-gap.json", "$.parameters.lookbackMonths", "positive");
    }

    [Theory]
    [InlineData("aboveValue", "\"6\"", "must be a number")]
    [InlineData("aboveValue", "null", "must be a number")]
    [InlineData("units", "\"%\"", "must be an array")]
    [InlineData("units", "[\"%\", null]", "must not be null")]
    [InlineData("units", "[\" \"]", "must not be empty")]
    public void Values_of_the_wrong_type_are_reported_at_their_path(string name, string json, string fragment)
    {
        Mutate("diabetes-hba1c-gap.json", j => j["parameters"]![name] = JsonNode.Parse(json));

        var ex = Invalid();
        Assert.Single(ex.Errors);
        Assert.StartsWith("$.parameters." + name, ex.Errors[0].Path, StringComparison.Ordinal);
        Assert.Contains(fragment, ex.Errors[0].Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Misspelt_properties_are_reported_not_ignored()
    {
        Mutate("renal-dosing.json", j => j["parameters"]!["drugs"]![0]!["egfrBellow"] = 45);

        AssertProblem(Invalid(), "renal-dosing.json", "$.parameters.drugs[0].egfrBellow", "not a known property");
    }

    [Fact]
    public void Warning_rules_need_override_reasons()
    {
        Mutate("duplicate-therapy.json", j => j.Remove("overrideReasons"));

        AssertProblem(Invalid(), "duplicate-therapy.json", "$.overrideReasons", "override reasons");
    }

    [Fact]
    public void Rules_cannot_be_bound_to_a_hook_that_cannot_feed_them()
    {
        Mutate("critical-lab.json", j => j["hooks"] = new JsonArray("patient-view", "order-sign", "encounter-start"));

        var ex = Invalid();
        AssertProblem(ex, "critical-lab.json", "$.hooks[1]", "cannot run on 'order-sign'");
        AssertProblem(ex, "critical-lab.json", "$.hooks[2]", "unknown hook");
    }

    [Fact]
    public void References_to_unknown_classes_and_ingredients_are_rejected()
    {
        Mutate("duplicate-therapy.json", j => j["parameters"]!["classes"] = new JsonArray("statins"));
        Mutate("renal-dosing.json", j => j["parameters"]!["drugs"]![0]!["ingredient"] = "nitrofurantoin");

        var ex = Invalid();
        AssertProblem(ex, "duplicate-therapy.json", "$.parameters.classes[0]", "unknown class 'statins'");
        AssertProblem(ex, "renal-dosing.json", "$.parameters.drugs[0].ingredient", "unknown ingredient");
    }

    [Fact]
    public void Vocabulary_problems_are_reported()
    {
        Mutate("drug-vocabulary.json", j =>
        {
            var ingredients = j["ingredients"]!.AsArray();
            ingredients[1]!["rxnorm"] = "723";            // same code as amoxicillin
            ingredients[2]!["classes"] = new JsonArray("cephalosporins");
            ingredients[3]!["products"]![0]!["code"] = "0834061";
        });

        var ex = Invalid();
        AssertProblem(ex, "drug-vocabulary.json", "$.ingredients[1].rxnorm", "already the code of ingredient 'amoxicillin'");
        AssertProblem(ex, "drug-vocabulary.json", "$.ingredients[2].classes[0]", "unknown class");
        AssertProblem(ex, "drug-vocabulary.json", "$.ingredients[3].products[0].code", "RXCUI");
    }

    [Fact]
    public void Ingredient_names_are_checked()
    {
        Mutate("drug-vocabulary.json", j =>
        {
            var ingredients = j["ingredients"]!.AsArray();
            ingredients[1]!["names"] = new JsonArray("Amoxicillin");      // amoxicillin's name, in another case
            ingredients[2]!["names"] = new JsonArray("pen");              // too short to be a name
            ingredients.Add(new JsonObject { ["id"] = "nameless", ["display"] = "nameless", ["classes"] = new JsonArray() });
        });

        var ex = Invalid();
        AssertProblem(ex, "drug-vocabulary.json", "$.ingredients[1].names[0]", "already a name of ingredient 'amoxicillin'");
        AssertProblem(ex, "drug-vocabulary.json", "$.ingredients[2].names[0]", "not an ingredient name");
        Assert.Contains(ex.Errors, e => e.File == "drug-vocabulary.json" && e.Message.Contains("RxNorm ingredient code, its names, or both", StringComparison.Ordinal));
    }

    [Fact]
    public void A_rule_set_needs_exactly_one_vocabulary()
    {
        File.Delete(Path.Combine(_temp, "drug-vocabulary.json"));

        Assert.Contains(Invalid().Errors, e => e.Message.Contains("exactly one file of kind 'drug-vocabulary'", StringComparison.Ordinal));
    }

    [Fact]
    public void Invalid_json_is_reported_with_its_position()
    {
        File.WriteAllText(Path.Combine(_temp, "broken.json"), "{ \"id\": \"broken\",\n  \"version\": }");

        var ex = Invalid();
        Assert.Contains(ex.Errors, e => e.File == "broken.json" && e.Path.StartsWith("$ (line 2", StringComparison.Ordinal) && e.Message == "is not valid JSON");
    }

    [Fact]
    public void Unknown_kind_is_rejected()
    {
        File.WriteAllText(Path.Combine(_temp, "other.json"), "{ \"id\": \"other\", \"version\": \"1.0.0\", \"kind\": \"drug-interaction\" }");

        AssertProblem(Invalid(), "other.json", "$.kind", "unknown kind");
    }

    [Fact]
    public void Missing_or_empty_directory_is_reported()
    {
        Assert.Throws<RuleSetValidationException>(() => RuleSetLoader.Load(Path.Combine(_temp, "nowhere")));
        var empty = Path.Combine(_temp, "empty");
        Directory.CreateDirectory(empty);
        Assert.Contains("no *.json", Assert.Throws<RuleSetValidationException>(() => RuleSetLoader.Load(empty)).Message);
    }

    [Fact]
    public void Qt_rule_codes_limits_and_card_length_are_checked()
    {
        Mutate("qt-prolonging.json", j =>
        {
            j["parameters"]!["qtcCodes"]![0]!["code"] = "8636-4";
            j["parameters"]!["drugs"]![1]!["rxnorm"] = "2556";
            j["parameters"]!["aboveValue"] = 5;
            j["templates"]!["summary"] = "QT risk: the draft order for {drug} is a QT-prolonging drug and the latest QTc, {value} {unit} recorded on {date}, is above {threshold}";
        });

        var ex = Invalid();
        AssertProblem(ex, "qt-prolonging.json", "$.parameters.qtcCodes[0].code", "check digit");
        AssertProblem(ex, "qt-prolonging.json", "$.parameters.drugs[1].rxnorm", "listed twice");
        AssertProblem(ex, "qt-prolonging.json", "$.parameters.aboveValue", "milliseconds");
        AssertProblem(ex, "qt-prolonging.json", "$.templates.summary", "under 140");
    }

    [Fact]
    public void A_new_rule_version_is_data_only()
    {
        Mutate("critical-lab.json", j =>
        {
            j["version"] = "1.1.0";
            j["parameters"]!["labs"]![0]!["above"] = 6.5;
        });

        var rules = RuleSetLoader.Load(_temp);
        Assert.Contains("critical-lab@1.1.0", rules.Versions);
        var outcomes = RuleEngine.Evaluate(rules, Fixtures.Input(HookNames.PatientView, Fixtures.HighPotassium(6.4m)));
        Assert.Empty(outcomes);
        Assert.Equal("1.1.0", Assert.Single(RuleEngine.Evaluate(rules, Fixtures.Input(HookNames.PatientView, Fixtures.HighPotassium(6.8m)))).Finding.RuleVersion);
    }
}
