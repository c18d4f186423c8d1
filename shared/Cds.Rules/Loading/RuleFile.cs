using System.Text.Json.Serialization;

namespace Cds.Rules;

/// <summary>
/// The shape of a rule data file, as System.Text.Json reads it (required members, no unknown ones). What it means is
/// checked afterwards by <see cref="RuleHeader"/> and the kind's own checks.
/// </summary>
internal abstract record RuleFile
{
    public required string Id { get; init; }
    public required string Version { get; init; }
    public required string Kind { get; init; }
    public string? Description { get; init; }
    public required IReadOnlyList<string> Hooks { get; init; }
    public required TopicEntry Topic { get; init; }
    public required RuleSource Source { get; init; }
    public required string Indicator { get; init; }
    public bool FlagForDocumentation { get; init; }
    public string? OverrideReasonSystem { get; init; }
    public IReadOnlyList<ReasonEntry> OverrideReasons { get; init; } = [];
    public SuggestionTemplate? Suggestion { get; init; }
    public required IReadOnlyDictionary<string, string> Templates { get; init; }

    [JsonIgnore]
    public abstract RuleParameters Untyped { get; }
}

/// <summary>A rule file whose <c>parameters</c> are the kind's record.</summary>
internal sealed record RuleFile<TParameters> : RuleFile
    where TParameters : RuleParameters
{
    public required TParameters Parameters { get; init; }

    [JsonIgnore]
    public override RuleParameters Untyped => Parameters;
}
