using Cds.Contracts;
using Marten;

namespace Cds.EventStore.Bulk;

// What a population run (the patient-level rules over a tenant's imported cohort) found, kept per tenant (conjoined) and
// patient so that patient-view can answer a precomputed gap at once, stating how old it is. Derived data: the next run
// replaces it.

/// <summary>One finding of a patient-level rule as the rule engine built it (card and finding), with the evidence's date.</summary>
public sealed record PrecomputedGap(string RuleId, string RuleVersion, string Gap, string? EvidenceDate, IReadOnlyList<string> Evidence, Card Card, Finding Finding);

/// <summary>The gaps of one patient found by one run. Id = the patient id; tenant = the Epic customer.</summary>
public sealed class PatientPopulationGaps
{
    public string Id { get; set; } = "";
    public string RunId { get; set; } = "";
    public DateTimeOffset RunAt { get; set; }
    public List<PrecomputedGap> Gaps { get; set; } = [];
}

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

/// <summary>A patient's precomputed gaps and how old they are.</summary>
public sealed record PrecomputedGapAnswer(string RunId, DateTimeOffset RunAt, TimeSpan Age, IReadOnlyList<PrecomputedGap> Gaps)
{
    /// <summary>The stored gaps as of <paramref name="now"/>; null when there is no document or it holds no gap.</summary>
    public static PrecomputedGapAnswer? From(PatientPopulationGaps? stored, DateTimeOffset now)
    {
        if (stored is null || stored.Gaps.Count == 0)
        {
            return null;
        }
        var age = now - stored.RunAt;
        return new PrecomputedGapAnswer(stored.RunId, stored.RunAt, age < TimeSpan.Zero ? TimeSpan.Zero : age, stored.Gaps);
    }

    /// <summary>
    /// The gaps as cards to answer with, each with its finding (to record with the answer): each card as the rule built it,
    /// a new <paramref name="uuid"/> per card (the finding's <c>CardUuid</c> follows), its age in the summary
    /// ("(as of 6 h ago)", kept under 140 characters) and the run's time in the detail.
    /// </summary>
    public IReadOnlyList<(Card Card, Finding Finding)> Answer(Func<string> uuid) => [.. Gaps.Select(g =>
    {
        var card = g.Card with
        {
            Uuid = uuid(),
            Summary = WithAge(g.Card.Summary, $" (as of {AgeText(Age)})"),
            Detail = (g.Card.Detail is null ? "" : g.Card.Detail + "\n\n")
                     + $"Precomputed by the population run of {RunAt.UtcDateTime:yyyy-MM-dd HH:mm} UTC ({AgeText(Age)}), from the last bulk export of this patient's record.",
        };
        return (card, g.Finding with { CardUuid = card.Uuid });
    })];

    /// <summary>The cards of <see cref="Answer"/>.</summary>
    public IReadOnlyList<Card> Cards(Func<string> uuid) => [.. Answer(uuid).Select(a => a.Card)];

    /// <summary>"just now", "12 min ago", "6 h ago", "3 days ago".</summary>
    public static string AgeText(TimeSpan age) => age < TimeSpan.FromMinutes(1) ? "just now"
        : age < TimeSpan.FromHours(1) ? $"{(int)age.TotalMinutes} min ago"
        : age < TimeSpan.FromDays(2) ? $"{(int)age.TotalHours} h ago"
        : $"{(int)age.TotalDays} days ago";

    private static string WithAge(string summary, string suffix) =>
        summary.Length + suffix.Length < 140 ? summary + suffix : summary[..(139 - suffix.Length - 1)] + "…" + suffix;
}

/// <summary>
/// The hook path's read of the population run: one primary-key load per call (tenant, patient), no FHIR, no rules.
/// Answers null when the patient had no gap in the last run of the tenant, or no run stored it.
/// </summary>
public sealed class PopulationGapLookup(IDocumentStore store, TimeProvider time)
{
    public async Task<PrecomputedGapAnswer?> FindAsync(string tenant, string patientId, CancellationToken ct)
    {
        await using var session = store.QuerySession(tenant);
        var stored = await session.LoadAsync<PatientPopulationGaps>(patientId, ct).ConfigureAwait(false);
        return PrecomputedGapAnswer.From(stored, time.GetUtcNow());
    }

    /// <summary>The tenant's latest population run (null: none yet).</summary>
    public async Task<PopulationGapRun?> LatestRunAsync(string tenant, CancellationToken ct)
    {
        await using var session = store.QuerySession(tenant);
        return await session.Query<PopulationGapRun>().OrderByDescending(r => r.At).FirstOrDefaultAsync(ct).ConfigureAwait(false);
    }
}
