using Cds.Contracts;

namespace Cds.Rules;

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
