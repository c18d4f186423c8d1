namespace Cds.Rules;

/// <summary>Text of the "remove the draft order" suggestion; both may use the placeholder {drug}.</summary>
public sealed record SuggestionTemplate(string Label, string Description);
