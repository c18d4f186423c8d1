using Cds.Contracts;

namespace Cds.Enrichment.Population;

/// <summary>One patient of the imported cohort with a finding of a patient-level rule: the rule's evidence and the date it rests on.</summary>
public sealed record PopulationGap(string PatientId, string RuleId, string RuleVersion, string Gap, string? EvidenceDate, IReadOnlyList<string> Evidence,
    Card Card, Finding Finding);
