using System.Text.Json;

namespace Cds.Rules;

/// <summary>
/// Reads and validates the rule data files (<c>Rules/data/*.json</c>). Either returns a complete, consistent
/// <see cref="RuleSet"/> or throws one <see cref="RuleSetValidationException"/> that lists every problem with its
/// file and JSON path — meant to run once at start-up so a bad file stops the service instead of a bad card.
/// The structure of each file comes from its records (<see cref="RuleJson"/>: the first structural problem of a
/// file is reported); the meaning from <see cref="RuleHeader"/>, the vocabulary and each kind's own checks (all
/// reported).
/// </summary>
public static class RuleSetLoader
{
    /// <summary>Where the data files sit relative to the application base directory (copied there by the csproj).</summary>
    public const string DefaultRelativeDirectory = "Rules/data";

    /// <summary>Loads <c>{AppContext.BaseDirectory}/Rules/data</c>.</summary>
    public static RuleSet LoadDefault() => Load(Path.Combine(AppContext.BaseDirectory, DefaultRelativeDirectory));

    public static RuleSet Load(string directory)
    {
        if (!Directory.Exists(directory))
        {
            throw new RuleSetValidationException([new RuleValidationError(directory, "$", "the rule directory does not exist")]);
        }

        var files = Directory.GetFiles(directory, "*.json").Order(StringComparer.Ordinal).ToList();
        if (files.Count == 0)
        {
            throw new RuleSetValidationException([new RuleValidationError(directory, "$", "no *.json rule files found")]);
        }

        var errors = new List<RuleValidationError>();
        var documents = files.Select(f => Parse(f, new ErrorSink(Path.GetFileName(f), errors))).OfType<(ErrorSink Sink, JsonElement Root, string? Kind)>().ToList();

        var vocabularies = documents.Where(d => d.Kind == RuleKinds.DrugVocabulary).ToList();
        if (vocabularies.Count != 1)
        {
            errors.Add(new RuleValidationError(Path.GetFileName(directory.TrimEnd('/', '\\')), "$",
                $"exactly one file of kind '{RuleKinds.DrugVocabulary}' is required, found {vocabularies.Count}"));
        }

        var vocabulary = vocabularies.Select(v => RuleJson.Read<VocabularyFile>(v.Root, v.Sink)?.Check(v.Sink)).LastOrDefault();
        var rules = new List<RuleDefinition>();
        foreach (var (sink, root, kindName) in documents.Where(d => d.Kind != RuleKinds.DrugVocabulary))
        {
            if (kindName is null || !RuleKinds.ByName.TryGetValue(kindName, out var kind))
            {
                sink.Add("$.kind", kindName is null
                    ? "is required"
                    : $"unknown kind '{kindName}' (known: {string.Join(", ", RuleKinds.ByName.Keys.Order(StringComparer.Ordinal).Append(RuleKinds.DrugVocabulary))})");
                continue;
            }

            // Without a vocabulary the references cannot be checked; its own error already stops the load.
            if (kind.Read(root, sink) is { } file && vocabulary is not null && RuleHeader.ToDefinition(file, kind, vocabulary, sink) is { } rule)
            {
                rules.Add(rule with { Root = root });
            }
        }

        CheckUniqueIds(documents);
        CheckUniqueTopics(errors, rules);
        if (errors.Count > 0)
        {
            throw new RuleSetValidationException(errors);
        }

        return new RuleSet(rules, vocabulary!);
    }

    private static (ErrorSink Sink, JsonElement Root, string? Kind)? Parse(string file, ErrorSink sink)
    {
        try
        {
            using var document = JsonDocument.Parse(File.ReadAllText(file), new JsonDocumentOptions { CommentHandling = JsonCommentHandling.Skip });
            var root = document.RootElement.Clone();
            if (root.ValueKind != JsonValueKind.Object)
            {
                sink.Add("$", "the file must contain one JSON object");
                return null;
            }

            var kind = root.TryGetProperty("kind", out var k) && k.ValueKind == JsonValueKind.String ? k.GetString() : null;
            return (sink, root, kind);
        }
        catch (JsonException ex)
        {
            sink.Add($"$ (line {ex.LineNumber + 1}, byte {ex.BytePositionInLine + 1})", "is not valid JSON");
            return null;
        }
    }

    private static void CheckUniqueIds(List<(ErrorSink Sink, JsonElement Root, string? Kind)> documents)
    {
        var seen = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var (sink, root, _) in documents)
        {
            if (root.TryGetProperty("id", out var id) && id.ValueKind == JsonValueKind.String && id.GetString() is { Length: > 0 } value
                && !seen.TryAdd(value, sink.File))
            {
                sink.Add("$.id", $"duplicate id '{value}' (also in {seen[value]})");
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
}
