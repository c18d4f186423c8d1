using Cds.Contracts;

namespace Cds.EventStore;

/// <summary>Everything that happened for one hook invocation, as a document (inline projection).</summary>
public sealed class HookTimeline
{
    public string Id { get; set; } = "";
    public string Tenant { get; set; } = "";
    public string Hook { get; set; } = "";
    public string ServiceId { get; set; } = "";
    public string PatientId { get; set; } = "";
    public string? EncounterId { get; set; }
    public string? UserId { get; set; }
    public DateTimeOffset ReceivedAt { get; set; }
    public EpicExtension? Epic { get; set; }
    public bool Stripped { get; set; }
    /// <summary>The caller's own <c>tenant</c> JWT claim (CDS Hooks 2.0), when it sent one.</summary>
    public string? ClientTenant { get; set; }
    public PrefetchResolved? Prefetch { get; set; }
    public List<Card> Cards { get; set; } = [];
    public string? CardSource { get; set; }
    public double? LatencyMs { get; set; }
    public bool DeadlineMissed { get; set; }
    public List<Finding> Findings { get; set; } = [];
    /// <summary>The cards enrichment produced (what was returned may differ when the deadline passed).</summary>
    public List<Card> EnrichedCards { get; set; } = [];
    public List<string> RuleVersions { get; set; } = [];
    public DateTimeOffset? EnrichedAt { get; set; }
    public bool EnrichedLate { get; set; }
    /// <summary>Where the patient data of the evaluation came from and how old it was (null: not recorded).</summary>
    public PatientDataUsed? PatientData { get; set; }
    /// <summary>Medications no rule vocabulary recognised ("draft rxnorm|860975"): codes only.</summary>
    public List<string> UnrecognisedMedications { get; set; } = [];
    public List<FeedbackReceived> Feedback { get; set; } = [];
    public List<TimelineEntry> Entries { get; set; } = [];
    /// <summary>Notes written back to Epic for this hook (write-back service), by stable identifier.</summary>
    public List<TimelineNote> Notes { get; set; } = [];
}
