namespace Cds.EventStore.Bulk;

/// <summary>The gaps of one patient found by one run. Id = the patient id; tenant = the Epic customer.</summary>
public sealed class PatientPopulationGaps
{
    public string Id { get; set; } = "";
    public string RunId { get; set; } = "";
    public DateTimeOffset RunAt { get; set; }
    public List<PrecomputedGap> Gaps { get; set; } = [];
}
