using System.Text.Json;
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

    /// <summary>
    /// The parameters a tenant overrode (<c>Tenants:{id}:Rules:{ruleId}:Parameters</c>), by name as the file spells
    /// them, with their values as JSON; empty for the shipped rule (<see cref="RuleTuning"/>).
    /// </summary>
    public IReadOnlyDictionary<string, string> Overrides { get; init; } = new Dictionary<string, string>();

    /// <summary>Stable hash of <see cref="Overrides"/> (<see cref="RuleTuning.OverridesHash"/>); null when not tuned.</summary>
    public string? OverridesHash { get; init; }

    /// <summary>"1.0.0", or "1.0.0+{overrides hash}" when a tenant tuned it: what findings and analytics tell apart.</summary>
    public string TunedVersion => OverridesHash is null ? Version : $"{Version}+{OverridesHash}";

    /// <summary>The rule's file as read (with a tenant's overrides written in): what tuning patches and reads again.</summary>
    internal JsonElement Root { get; init; }

    internal IRuleKind Evaluator { get; init; } = null!;
}
