using Cds.Contracts;

namespace Cds.Rules;

/// <summary>Validated, immutable rules plus the drug vocabulary they share. Build it with <see cref="RuleSetLoader.Load"/>.</summary>
public sealed class RuleSet
{
    internal RuleSet(IReadOnlyList<RuleDefinition> rules, DrugVocabulary vocabulary)
    {
        Rules = rules;
        Vocabulary = vocabulary;
        Versions = [.. rules.Select(r => $"{r.Id}@{r.Version}"), $"{vocabulary.Id}@{vocabulary.Version}"];
    }

    public IReadOnlyList<RuleDefinition> Rules { get; }
    public DrugVocabulary Vocabulary { get; }

    /// <summary>"id@version" of every rule and of the vocabulary, for <c>HookEvaluated.RuleVersions</c>.</summary>
    public IReadOnlyList<string> Versions { get; }

    public IEnumerable<RuleDefinition> RulesFor(string hook) => Rules.Where(r => r.Hooks.Contains(hook, StringComparer.Ordinal));
}

public sealed record RuleSource(string Label, string Url);

/// <summary>Text of the "remove the draft order" suggestion; both may use the placeholder {drug}.</summary>
public sealed record SuggestionTemplate(string Label, string Description);

/// <summary>One rule, as read from its data file.</summary>
public sealed record RuleDefinition
{
    public required string Id { get; init; }
    public required string Version { get; init; }

    /// <summary>The file's <c>"kind"</c>, e.g. <c>renal-dosing</c>; each kind is a folder under <c>Kinds/</c>.</summary>
    public required string Kind { get; init; }
    public required string File { get; init; }
    public required IReadOnlyList<string> Hooks { get; init; }
    public required Coding Topic { get; init; }
    public required RuleSource Source { get; init; }
    public required string Indicator { get; init; }
    /// <summary>Flag findings for documentation even when not critical (critical ones always are).</summary>
    public bool FlagForDocumentation { get; init; }
    public IReadOnlyList<OverrideReason> OverrideReasons { get; init; } = [];
    public SuggestionTemplate? Suggestion { get; init; }
    public required IReadOnlyDictionary<string, string> Templates { get; init; }
    public required RuleParameters Parameters { get; init; }

    internal IRuleKind Evaluator { get; init; } = null!;
}

/// <summary>A kind's parameters (the <c>parameters</c> object of its data file); each kind's folder holds its record.</summary>
public abstract record RuleParameters;
