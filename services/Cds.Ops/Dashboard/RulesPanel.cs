namespace Cds.Ops.Dashboard;

public sealed record RulesPanel(int Days, IReadOnlyList<RuleBar> Rules);
