using Cds.Ops.Rules;

namespace Cds.Ops.Dashboard;

/// <summary>One rule's bars over the panel's window: cards fired, accepted, overridden, silent ("would have fired") and snoozed after an override, and why overridden.</summary>
public sealed record RuleBar(string RuleId, IReadOnlyList<string> Versions, long Fired, long Shown, long Accepted, long Overridden, long Silent, long Snoozed,
    IReadOnlyList<ReasonCount> OverrideReasons);
