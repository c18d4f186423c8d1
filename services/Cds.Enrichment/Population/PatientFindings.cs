namespace Cds.Enrichment.Population;

/// <summary>Every finding of one patient of the cohort (empty: the rules found nothing).</summary>
public sealed record PatientFindings(string PatientId, IReadOnlyList<PopulationGap> Gaps);
