namespace Cds.EventStore.Bulk;

/// <summary>One population run of a tenant: when, over which export, and how many patients had a finding of each rule. Id = the run id.</summary>
public sealed class PopulationGapRun
{
    public string Id { get; set; } = "";
    public DateTimeOffset At { get; set; }
    /// <summary>The last completed export of the cohort when the run started (null: none recorded).</summary>
    public string? ExportId { get; set; }
    public IReadOnlyList<string> Rules { get; set; } = [];
    public long Patients { get; set; }
    public long PatientsWithGaps { get; set; }
    /// <summary>Patients with a finding, per rule id (every rule of <see cref="Rules"/>, zeros included).</summary>
    public Dictionary<string, long> GapsByRule { get; set; } = [];
    public TimeSpan Duration { get; set; }
}
