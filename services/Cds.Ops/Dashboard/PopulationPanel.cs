namespace Cds.Ops.Dashboard;

public sealed record PopulationPanel(IReadOnlyList<PopulationRunRow> Runs);
