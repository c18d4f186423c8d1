using System.Text.Json;
using System.Text.RegularExpressions;
using Cds.Contracts;

namespace Cds.Rules;

/// <summary>
/// Reads and validates the rule data files (<c>Rules/data/*.json</c>). Either returns a complete, consistent
/// <see cref="RuleSet"/> or throws one <see cref="RuleSetValidationException"/> that lists every problem with its
/// file and JSON path — meant to run once at start-up so a bad file stops the service instead of a bad card.
/// </summary>
public static partial class RuleSetLoader
{
    /// <summary>Where the data files sit relative to the application base directory (copied there by the csproj).</summary>
    public const string DefaultRelativeDirectory = "Rules/data";

    [GeneratedRegex(@"^[a-z0-9]+(-[a-z0-9]+)*$")]
    private static partial Regex IdPattern();

    [GeneratedRegex(@"^\d+\.\d+(\.\d+)?(-[0-9A-Za-z.-]+)?$")]
    private static partial Regex VersionPattern();

    [GeneratedRegex(@"^[A-Za-z0-9]{1,100}$")]
    private static partial Regex TopicCodePattern();

    /// <summary>An ingredient name as RxNorm spells it: words of letters/digits, separated by a space or a dash.</summary>
    [GeneratedRegex(@"^(?=.{4,80}$)[A-Za-z0-9]+([ -][A-Za-z0-9]+)*$")]
    private static partial Regex NamePattern();

    [GeneratedRegex(@"^[A-Za-z0-9-]{1,64}$")]
    private static partial Regex ReasonCodePattern();

    private static readonly string[] KnownIndicators = [Indicators.Info, Indicators.Warning, Indicators.Critical];
    private static readonly string[] KnownHooks = [HookNames.PatientView, HookNames.OrderSelect, HookNames.OrderSign];
    private static readonly string[] AllergyCriticalities = ["low", "high", "unable-to-assess", "not recorded"];

    /// <summary>Loads <c>{AppContext.BaseDirectory}/Rules/data</c>.</summary>
    public static RuleSet LoadDefault() => Load(Path.Combine(AppContext.BaseDirectory, DefaultRelativeDirectory));

    public static RuleSet Load(string directory)
    {
        var errors = new List<RuleValidationError>();
        if (!Directory.Exists(directory))
        {
            throw new RuleSetValidationException([new RuleValidationError(directory, "$", "the rule directory does not exist")]);
        }

        var files = Directory.GetFiles(directory, "*.json").Order(StringComparer.Ordinal).ToList();
        if (files.Count == 0)
        {
            throw new RuleSetValidationException([new RuleValidationError(directory, "$", "no *.json rule files found")]);
        }

        var documents = new List<(ErrorSink Sink, JsonDocument Document, string? Kind)>();
        try
        {
            foreach (var file in files)
            {
                var sink = new ErrorSink(Path.GetFileName(file), errors);
                try
                {
                    var document = JsonDocument.Parse(File.ReadAllText(file), new JsonDocumentOptions { CommentHandling = JsonCommentHandling.Skip });
                    if (document.RootElement.ValueKind != JsonValueKind.Object)
                    {
                        sink.Add("$", "the file must contain one JSON object");
                        document.Dispose();
                        continue;
                    }

                    var kind = document.RootElement.TryGetProperty("kind", out var k) && k.ValueKind == JsonValueKind.String ? k.GetString() : null;
                    documents.Add((sink, document, kind));
                }
                catch (JsonException ex)
                {
                    sink.Add($"$ (line {ex.LineNumber + 1}, byte {ex.BytePositionInLine + 1})", "is not valid JSON");
                }
            }

            var vocabularies = documents.Where(d => d.Kind == RuleKinds.DrugVocabulary).ToList();
            DrugVocabulary? vocabulary = null;
            if (vocabularies.Count != 1)
            {
                errors.Add(new RuleValidationError(Path.GetFileName(directory.TrimEnd('/', '\\')), "$",
                    $"exactly one file of kind '{RuleKinds.DrugVocabulary}' is required, found {vocabularies.Count}"));
            }

            foreach (var (sink, document, _) in vocabularies)
            {
                vocabulary = ReadVocabulary(new JsonObjectReader(document.RootElement, "$", sink)) ?? vocabulary;
            }

            var rules = new List<RuleDefinition>();
            foreach (var (sink, document, _) in documents.Where(d => d.Kind != RuleKinds.DrugVocabulary))
            {
                var rule = ReadRule(new JsonObjectReader(document.RootElement, "$", sink), vocabulary);
                if (rule is not null)
                {
                    rules.Add(rule);
                }
            }

            CheckUnique(errors, documents);
            CheckUniqueTopics(errors, rules);

            if (errors.Count > 0)
            {
                throw new RuleSetValidationException(errors);
            }

            return new RuleSet(rules, vocabulary!);
        }
        finally
        {
            foreach (var (_, document, _) in documents)
            {
                document.Dispose();
            }
        }
    }

    private static void CheckUnique(List<RuleValidationError> errors, List<(ErrorSink Sink, JsonDocument Document, string? Kind)> documents)
    {
        var seen = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var (sink, document, _) in documents)
        {
            if (document.RootElement.TryGetProperty("id", out var id) && id.ValueKind == JsonValueKind.String && id.GetString() is { Length: > 0 } value)
            {
                if (seen.TryGetValue(value, out var other))
                {
                    sink.Add("$.id", $"duplicate id '{value}' (also in {other})");
                }
                else
                {
                    seen[value] = sink.File;
                }
            }
        }
    }

    private static void CheckUniqueTopics(List<RuleValidationError> errors, List<RuleDefinition> rules)
    {
        foreach (var group in rules.GroupBy(r => r.Topic.Code, StringComparer.Ordinal).Where(g => g.Count() > 1))
        {
            foreach (var rule in group.Skip(1))
            {
                errors.Add(new RuleValidationError(rule.File, "$.topic.code",
                    $"topic code '{group.Key}' is also used by {group.First().File}: each kind of advice needs its own"));
            }
        }
    }

    private static (string? Id, string? Version) ReadHeader(JsonObjectReader root)
    {
        var id = root.String("id");
        if (id is not null && (!IdPattern().IsMatch(id) || id.Length > 64))
        {
            root.Problem("id", $"'{id}' must be lower-case letters, digits and single dashes (≤ 64)");
            id = null;
        }

        var version = root.String("version");
        if (version is not null && !VersionPattern().IsMatch(version))
        {
            root.Problem("version", $"'{version}' is not a version like 1.2.0");
            version = null;
        }

        root.String("description", required: false);
        return (id, version);
    }

    private static DrugVocabulary? ReadVocabulary(JsonObjectReader root)
    {
        var (id, version) = ReadHeader(root);
        root.String("kind");
        var classes = new List<DrugClass>();
        foreach (var c in root.Objects("classes") ?? [])
        {
            var classId = c.String("id");
            var display = c.String("display");
            var crossReactive = c.Bool("crossReactiveAllergy", false);
            var allergyCodes = ReadCodes(c, "allergyCodes", required: false, allowEmpty: true, allowed: [CodeSystems.Snomed, CodeSystems.RxNorm]);
            c.Done();
            if (classId is not null && !IdPattern().IsMatch(classId))
            {
                c.Problem("id", $"'{classId}' must be lower-case letters, digits and dashes");
            }
            else if (classId is not null && classes.Any(x => x.Id == classId))
            {
                c.Problem("id", $"duplicate class id '{classId}'");
            }
            else if (classId is not null && display is not null)
            {
                classes.Add(new DrugClass(classId, display, crossReactive, allergyCodes));
            }
        }

        var ingredients = new List<Ingredient>();
        var ingredientCodes = new Dictionary<string, string>(StringComparer.Ordinal);
        var ingredientNames = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        var ingredientReaders = root.Objects("ingredients") ?? [];
        foreach (var i in ingredientReaders)
        {
            var ingredientId = i.String("id");
            var display = i.String("display");
            var rxnorm = i.String("rxnorm", required: false);
            var rxnormGiven = rxnorm is not null;
            if (rxnorm is not null && Terminology.FormatProblem(CodeSystems.RxNorm, rxnorm, prefix: false) is { } problem)
            {
                i.Problem("rxnorm", problem);
                rxnorm = null;
            }
            else if (rxnorm is not null && ingredientCodes.TryGetValue(rxnorm, out var other))
            {
                i.Problem("rxnorm", $"RxNorm {rxnorm} is already the code of ingredient '{other}'");
            }
            else if (rxnorm is not null && ingredientId is not null)
            {
                ingredientCodes[rxnorm] = ingredientId;
            }

            var classRefs = new List<string>();
            foreach (var (classRef, path) in i.Strings("classes", required: false, allowEmpty: true) ?? [])
            {
                if (classes.All(c => c.Id != classRef))
                {
                    i.Errors.Add(path, $"unknown class '{classRef}'");
                }
                else
                {
                    classRefs.Add(classRef);
                }
            }

            var products = ReadCodes(i, "products", required: false, allowEmpty: true, allowed: [CodeSystems.RxNorm]);
            var allergyCodes = ReadCodes(i, "allergyCodes", required: false, allowEmpty: true, allowed: [CodeSystems.Snomed]);
            var names = new List<string>();
            foreach (var (name, path) in i.Strings("names", required: false) ?? [])
            {
                var trimmed = name.Trim();
                if (!NamePattern().IsMatch(trimmed))
                {
                    i.Errors.Add(path, $"'{name}' is not an ingredient name (letters, digits, spaces and dashes; at least 4 characters)");
                }
                else if (ingredientNames.TryGetValue(trimmed, out var owner) || names.Contains(trimmed, StringComparer.OrdinalIgnoreCase))
                {
                    i.Errors.Add(path, $"name '{trimmed}' is already a name of ingredient '{owner ?? ingredientId}'");
                }
                else
                {
                    names.Add(trimmed);
                }
            }

            if (!rxnormGiven && names.Count == 0)
            {
                i.Problem("rxnorm", "an ingredient needs its RxNorm ingredient code, its names, or both");
            }

            i.Done();
            if (ingredientId is not null && !IdPattern().IsMatch(ingredientId))
            {
                i.Problem("id", $"'{ingredientId}' must be lower-case letters, digits and dashes");
            }
            else if (ingredientId is not null && ingredients.Any(x => x.Id == ingredientId))
            {
                i.Problem("id", $"duplicate ingredient id '{ingredientId}'");
            }
            else if (ingredientId is not null && display is not null && (rxnorm is not null || (names.Count > 0 && !rxnormGiven)))
            {
                ingredients.Add(new Ingredient(ingredientId, display, rxnorm, classRefs, products, allergyCodes, names));
                foreach (var name in names)
                {
                    ingredientNames[name] = ingredientId;
                }
            }
        }

        // A product code must not also be an ingredient code (it would map the product to the wrong ingredient).
        for (var n = 0; n < ingredients.Count; n++)
        {
            foreach (var product in ingredients[n].Products)
            {
                if (ingredientCodes.TryGetValue(product.Code, out var owner))
                {
                    root.Errors.Add($"$.ingredients (ingredient '{ingredients[n].Id}')", $"product {product.Code} is the ingredient code of '{owner}'");
                }
            }
        }

        root.Done();
        return id is null || version is null ? null : new DrugVocabulary(id, version, ingredients, classes);
    }

    private static RuleDefinition? ReadRule(JsonObjectReader root, DrugVocabulary? vocabulary)
    {
        var (id, version) = ReadHeader(root);
        var kindName = root.String("kind");
        RuleKind? kind = null;
        if (kindName is not null)
        {
            if (RuleKinds.ByName.TryGetValue(kindName, out var k))
            {
                kind = k;
            }
            else
            {
                root.Problem("kind", $"unknown kind '{kindName}' (known: {string.Join(", ", RuleKinds.ByName.Keys.Append(RuleKinds.DrugVocabulary))})");
            }
        }

        var hooks = new List<string>();
        foreach (var (hook, path) in root.Strings("hooks") ?? [])
        {
            if (!KnownHooks.Contains(hook, StringComparer.Ordinal))
            {
                root.Errors.Add(path, $"unknown hook '{hook}'");
            }
            else if (kind is { } rk && !RuleKinds.AllowedHooks(rk).Contains(hook, StringComparer.Ordinal))
            {
                root.Errors.Add(path, $"a {kindName} rule cannot run on '{hook}' (allowed: {string.Join(", ", RuleKinds.AllowedHooks(rk))})");
            }
            else if (!hooks.Contains(hook, StringComparer.Ordinal))
            {
                hooks.Add(hook);
            }
        }

        Coding? topic = null;
        if (root.Object("topic") is { } t)
        {
            var code = t.String("code");
            var display = t.String("display");
            // A CDS Hooks Coding's system is required (requirement 217), topic included.
            var system = t.String("system");
            t.Done();
            if (code is not null && !TopicCodePattern().IsMatch(code))
            {
                t.Problem("code", $"'{code}' must be 1–100 letters or digits (Epic remembers overrides by it)");
            }
            else if (code is not null)
            {
                topic = new Coding { Code = code, Display = display, System = system };
            }
        }

        RuleSource? source = null;
        if (root.Object("source") is { } s)
        {
            var label = s.String("label");
            var url = s.String("url");
            s.Done();
            if (url is not null && !(Uri.TryCreate(url, UriKind.Absolute, out var uri) && uri.Scheme is "https" or "http"))
            {
                s.Problem("url", $"'{url}' must be an absolute http(s) URL");
            }
            else if (label is not null && url is not null)
            {
                source = new RuleSource(label, url);
            }
        }

        var indicator = ReadIndicator(root, "indicator", required: true);
        var flag = root.Bool("flagForDocumentation", false);

        var reasonSystem = root.String("overrideReasonSystem", required: false);
        var reasons = new List<OverrideReason>();
        foreach (var r in root.Objects("overrideReasons", required: false) ?? [])
        {
            var code = r.String("code");
            var display = r.String("display");
            r.Done();
            if (code is not null && !ReasonCodePattern().IsMatch(code))
            {
                r.Problem("code", $"'{code}' must be letters, digits or dashes (≤ 64)");
            }
            else if (code is not null && reasons.Any(x => x.Code == code))
            {
                r.Problem("code", $"duplicate override reason '{code}'");
            }
            else if (code is not null && display is not null && reasonSystem is not null)
            {
                reasons.Add(new OverrideReason { Code = code, Display = display, System = reasonSystem });
            }
        }

        if (reasons.Count > 0 && reasonSystem is null)
        {
            root.Problem("overrideReasonSystem", "is required when overrideReasons are given");
        }

        SuggestionTemplate? suggestion = null;
        if (root.Object("suggestion", required: false) is { } sg)
        {
            var label = sg.String("label");
            var description = sg.String("description");
            sg.Done();
            if (kind is { } rk && !RuleKinds.HasDraft(rk))
            {
                root.Problem("suggestion", $"a {kindName} rule has no draft order to remove");
            }

            foreach (var (name, text) in new[] { ("label", label), ("description", description) })
            {
                foreach (var placeholder in text is null ? [] : CardText.PlaceholdersIn(text))
                {
                    if (placeholder != "drug")
                    {
                        sg.Problem(name, $"unknown placeholder {{{placeholder}}} (only {{drug}})");
                    }
                }
            }

            if (label is not null && description is not null)
            {
                suggestion = new SuggestionTemplate(label, description);
            }
        }

        var templates = root.StringMap("templates");
        RuleParameters? parameters = null;
        string? highIndicator = null;
        var parametersReader = root.Object("parameters");
        if (parametersReader is not null && kind is { } kk)
        {
            if (kk == RuleKind.DrugAllergy)
            {
                highIndicator = ReadIndicator(parametersReader, "highCriticalityIndicator", required: true);
            }

            parameters = kk switch
            {
                RuleKind.DrugAllergy => new DrugAllergyParameters(),
                RuleKind.DuplicateTherapy => ReadDuplicate(parametersReader, vocabulary),
                RuleKind.RenalDosing => ReadRenal(parametersReader, vocabulary),
                RuleKind.DiabetesHbA1cGap => ReadHbA1c(parametersReader),
                RuleKind.CriticalLab => ReadCriticalLabs(parametersReader),
                _ => null,
            };
            parametersReader.Done();
        }

        var needsReasons = new[] { indicator, highIndicator }.Any(i => i is Indicators.Warning or Indicators.Critical);
        if (needsReasons && reasons.Count == 0)
        {
            root.Problem("overrideReasons", "warning and critical cards need override reasons");
        }

        if (templates is not null && kind is { } tk && parameters is not null)
        {
            CheckTemplates(root, tk, templates, parameters, vocabulary);
        }

        root.Done();

        if (id is null || version is null || kind is null || topic is null || source is null || indicator is null
            || templates is null || parameters is null || hooks.Count == 0)
        {
            return null;
        }

        return new RuleDefinition
        {
            Id = id,
            Version = version,
            Kind = kind.Value,
            File = root.Errors.File,
            Hooks = hooks,
            Topic = topic,
            Source = source,
            Indicator = indicator,
            HighCriticalityIndicator = highIndicator,
            FlagForDocumentation = flag,
            OverrideReasons = reasons,
            Suggestion = suggestion,
            Templates = templates.ToDictionary(p => p.Key, p => p.Value.Value, StringComparer.Ordinal),
            Parameters = parameters,
        };
    }

    private static string? ReadIndicator(JsonObjectReader reader, string name, bool required)
    {
        var value = reader.String(name, required);
        if (value is not null && !KnownIndicators.Contains(value, StringComparer.Ordinal))
        {
            reader.Problem(name, $"unknown indicator '{value}' (info, warning or critical)");
            return null;
        }

        return value;
    }

    private static IReadOnlyList<CodePattern> ReadCodes(JsonObjectReader parent, string name, bool required, bool allowEmpty, string[] allowed)
    {
        var list = new List<CodePattern>();
        foreach (var c in parent.Objects(name, required, allowEmpty) ?? [])
        {
            var system = c.String("system");
            var code = c.String("code");
            var display = c.String("display", required: false);
            var match = c.String("match", required: false) ?? "exact";
            c.Done();
            if (match is not ("exact" or "prefix"))
            {
                c.Problem("match", $"'{match}' must be exact or prefix");
                continue;
            }

            if (system is null || code is null)
            {
                continue;
            }

            if (!Terminology.KnownSystems.Contains(system, StringComparer.Ordinal))
            {
                c.Problem("system", $"unknown code system '{system}' (known: {string.Join(", ", Terminology.KnownSystems)})");
                continue;
            }

            if (!allowed.Contains(system, StringComparer.Ordinal))
            {
                c.Problem("system", $"{Terminology.ShortName(system)} codes are not expected here (use {string.Join(" or ", allowed.Select(Terminology.ShortName))})");
                continue;
            }

            var prefix = match == "prefix";
            if (prefix && system != CodeSystems.Icd10Cm)
            {
                c.Problem("match", "prefix matching is only meaningful for ICD-10-CM");
                continue;
            }

            if (Terminology.FormatProblem(system, code, prefix) is { } problem)
            {
                c.Problem("code", problem);
                continue;
            }

            list.Add(new CodePattern(system, code, prefix, display));
        }

        return list;
    }

    private static IReadOnlyList<string> ReadUnits(JsonObjectReader p) =>
        [.. (p.Strings("units") ?? []).Select(u => u.Value)];

    private static DuplicateTherapyParameters ReadDuplicate(JsonObjectReader p, DrugVocabulary? vocabulary)
    {
        var classes = new List<string>();
        foreach (var (classId, path) in p.Strings("classes", required: true, allowEmpty: true) ?? [])
        {
            if (vocabulary is not null && vocabulary.Class(classId) is null)
            {
                p.Errors.Add(path, $"unknown class '{classId}'");
            }
            else
            {
                classes.Add(classId);
            }
        }

        return new DuplicateTherapyParameters(classes);
    }

    private static RenalDosingParameters ReadRenal(JsonObjectReader p, DrugVocabulary? vocabulary)
    {
        var codes = ReadCodes(p, "egfrCodes", required: true, allowEmpty: false, allowed: [CodeSystems.Loinc]);
        var units = ReadUnits(p);
        var unitDisplay = p.String("unitDisplay") ?? "";
        var maxAge = p.PositiveInt("maxAgeDays") ?? 0;
        var drugs = new List<RenalDrug>();
        foreach (var d in p.Objects("drugs") ?? [])
        {
            var ingredient = d.String("ingredient");
            var below = d.Number("egfrBelow");
            var advice = d.String("advice");
            d.Done();
            if (ingredient is not null && vocabulary is not null && vocabulary.Ingredient(ingredient) is null)
            {
                d.Problem("ingredient", $"unknown ingredient '{ingredient}'");
                continue;
            }

            if (below is not null && below is <= 0 or > 200)
            {
                d.Problem("egfrBelow", "must be a threshold between 0 and 200 mL/min/1.73 m2");
                continue;
            }

            if (ingredient is not null && drugs.Any(x => x.Ingredient == ingredient))
            {
                d.Problem("ingredient", $"'{ingredient}' is listed twice");
                continue;
            }

            if (ingredient is not null && below is not null && advice is not null)
            {
                drugs.Add(new RenalDrug(ingredient, below.Value, advice));
            }
        }

        return new RenalDosingParameters(codes, units, unitDisplay, maxAge, drugs);
    }

    private static DiabetesHbA1cParameters ReadHbA1c(JsonObjectReader p)
    {
        var conditions = ReadCodes(p, "conditionCodes", required: true, allowEmpty: false, allowed: [CodeSystems.Snomed, CodeSystems.Icd10Cm]);
        var hba1c = ReadCodes(p, "hba1cCodes", required: true, allowEmpty: false, allowed: [CodeSystems.Loinc]);
        var related = ReadCodes(p, "relatedCodes", required: false, allowEmpty: true, allowed: [CodeSystems.Loinc]);
        var units = ReadUnits(p);
        var months = p.PositiveInt("lookbackMonths") ?? 0;
        var above = p.Number("aboveValue");
        if (above is not null && above is <= 0 or > 20)
        {
            p.Problem("aboveValue", "must be an HbA1c percentage between 0 and 20");
        }

        return new DiabetesHbA1cParameters(conditions, hba1c, related, units, months, above ?? 0);
    }

    private static CriticalLabParameters ReadCriticalLabs(JsonObjectReader p)
    {
        var labs = new List<CriticalLabDefinition>();
        foreach (var l in p.Objects("labs") ?? [])
        {
            var id = l.String("id");
            var display = l.String("display");
            var codes = ReadCodes(l, "codes", required: true, allowEmpty: false, allowed: [CodeSystems.Loinc]);
            var units = ReadUnits(l);
            var above = l.Number("above", required: false);
            var below = l.Number("below", required: false);
            var maxAge = l.PositiveInt("maxAgeHours");
            l.Done();
            if (above is null && below is null)
            {
                l.Problem("above", "a critical lab needs a threshold: 'above', 'below' or both");
                continue;
            }

            if (above is not null && below is not null && below >= above)
            {
                l.Problem("below", "must be lower than 'above'");
                continue;
            }

            if (id is not null && labs.Any(x => x.Id == id))
            {
                l.Problem("id", $"duplicate lab id '{id}'");
                continue;
            }

            if (id is not null && display is not null && maxAge is not null)
            {
                labs.Add(new CriticalLabDefinition(id, display, codes, units, above, below, maxAge.Value));
            }
        }

        return new CriticalLabParameters(labs);
    }

    /// <summary>Every required template present, no unknown ones, placeholders known, summaries under 140 with worst-case values.</summary>
    private static void CheckTemplates(
        JsonObjectReader root,
        RuleKind kind,
        IReadOnlyDictionary<string, (string Value, string Path)> templates,
        RuleParameters parameters,
        DrugVocabulary? vocabulary)
    {
        var expected = RuleKinds.Templates(kind);
        foreach (var name in expected.Keys.Where(n => !templates.ContainsKey(n)))
        {
            root.Errors.Add($"{root.At("templates")}.{name}", "is required");
        }

        var samples = WorstCaseValues(parameters, vocabulary);
        foreach (var (name, (text, path)) in templates)
        {
            if (!expected.TryGetValue(name, out var allowed))
            {
                root.Errors.Add(path, $"is not a template of a {kind} rule (expected: {string.Join(", ", expected.Keys)})");
                continue;
            }

            var unknown = CardText.PlaceholdersIn(text).Where(p => !allowed.Contains(p, StringComparer.Ordinal)).ToList();
            if (unknown.Count > 0)
            {
                root.Errors.Add(path, $"unknown placeholder(s) {string.Join(", ", unknown.Select(u => "{" + u + "}"))} (allowed: {string.Join(", ", allowed.Select(a => "{" + a + "}"))})");
                continue;
            }

            if (name.StartsWith("summary", StringComparison.Ordinal))
            {
                var rendered = CardText.Render(text, samples, markdown: false);
                if (rendered.Length > CardText.MaxSummaryLength)
                {
                    root.Errors.Add(path, $"renders to {rendered.Length} characters with the longest values; a summary must stay under 140");
                }
            }
        }
    }

    private static Dictionary<string, string> WorstCaseValues(RuleParameters parameters, DrugVocabulary? vocabulary)
    {
        static string Longest(IEnumerable<string> values, string fallback) => values.DefaultIfEmpty(fallback).MaxBy(v => v.Length)!;

        var drugs = vocabulary?.Ingredients.Select(i => i.Display) ?? [];
        var classes = vocabulary?.Classes.Select(c => c.Display) ?? [];
        var values = new Dictionary<string, string>(StringComparer.Ordinal)
        {
            ["drug"] = Longest(drugs, "drug"),
            ["activeDrug"] = Longest(drugs, "drug"),
            ["class"] = Longest(classes, "class"),
            ["allergen"] = Longest(drugs.Concat(classes), "allergen"),
            ["criticality"] = Longest(AllergyCriticalities, ""),
            ["value"] = "99999.999",
            ["date"] = "2099-12-31",
            ["direction"] = "above",
        };

        switch (parameters)
        {
            case RenalDosingParameters r:
                values["unit"] = r.UnitDisplay;
                values["threshold"] = Longest(r.Drugs.Select(d => CardText.Number(d.EgfrBelow)), "");
                values["advice"] = Longest(r.Drugs.Select(d => d.Advice), "");
                values["drug"] = Longest(r.Drugs.Select(d => vocabulary?.Ingredient(d.Ingredient)?.Display ?? d.Ingredient), "drug");
                break;
            case DiabetesHbA1cParameters h:
                values["unit"] = Longest(h.Units, "");
                values["months"] = h.LookbackMonths.ToString(System.Globalization.CultureInfo.InvariantCulture);
                values["target"] = CardText.Number(h.AboveValue);
                break;
            case CriticalLabParameters c:
                values["unit"] = Longest(c.Labs.SelectMany(l => l.Units), "");
                values["lab"] = Longest(c.Labs.Select(l => l.Display), "");
                values["limit"] = Longest(c.Labs.SelectMany(l => new[] { l.Above, l.Below }).OfType<decimal>().Select(CardText.Number), "");
                break;
        }

        return values;
    }
}
