using Cds.Contracts;

namespace Cds.EventStore.Bulk;

// What a population run (the patient-level rules over a tenant's imported cohort) found, kept per tenant (conjoined) and
// patient so that patient-view can answer a precomputed gap at once, stating how old it is. Derived data: the next run
// replaces it.

/// <summary>One finding of a patient-level rule as the rule engine built it (card and finding), with the evidence's date.</summary>
public sealed record PrecomputedGap(string RuleId, string RuleVersion, string Gap, string? EvidenceDate, IReadOnlyList<string> Evidence, Card Card, Finding Finding);
