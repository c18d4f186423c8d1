using Cds.Contracts;

namespace Cds.Rules;

/// <summary>A card for Epic and the finding behind it (for the event store and write-back).</summary>
public sealed record RuleOutcome(Card Card, Finding Finding);
