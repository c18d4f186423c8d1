namespace Cds.Ops.Dashboard;

/// <summary>A tenant's last population run: when, how many patients, and patients with a gap per rule.</summary>
public sealed record PopulationRunRow(string Tenant, string RunId, DateTimeOffset At, string? ExportId, long Patients, long PatientsWithGaps,
    IReadOnlyDictionary<string, long> GapsByRule);
