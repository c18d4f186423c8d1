namespace Cds.EventStore;

/// <summary>Epic's <c>extension</c> block (docs/epic-behaviours.md item 1): which native trigger fired, which criteria, which Epic version.</summary>
public sealed record EpicExtension(string? TriggerAction, string? TriggerActionName, string? CriteriaId, string? EpicVersion, IReadOnlyDictionary<string, string>? Other = null);
