namespace Cds.Hooks;

public sealed class HookOptions
{
    public const string Section = "Hooks";

    /// <summary>Time from receipt to answer. Epic publishes no number; field reports say 0.5–2 s.</summary>
    public TimeSpan Deadline { get; set; } = TimeSpan.FromMilliseconds(1200);

    /// <summary>
    /// How long an evaluation request may wait in the queue. Longer than the deadline on purpose: a late result is
    /// still recorded and served on the patient's next hook, and a redelivery after a worker crash is not dropped.
    /// </summary>
    public TimeSpan EvaluationTimeToLive { get; set; } = TimeSpan.FromMinutes(5);

    /// <summary>
    /// How long the evaluation request may take to reach the broker (publisher confirm included). Independent of the
    /// deadline: a hook that answers without live cards still gets its evaluation sent, so the result is recorded and
    /// served on the patient's next hook. A send still pending after this (broker down) is given up and logged.
    /// A minute: a broker slowed by a starved machine confirmed some sends only after 10 s (measured), and a send given
    /// up loses the evaluation; pending sends are small, so a minute of them during an outage costs little.
    /// </summary>
    public TimeSpan EvaluationSendTimeout { get; set; } = TimeSpan.FromSeconds(60);

    /// <summary>Part of the deadline kept for recording and sending the answer after the enrichment wait.</summary>
    public TimeSpan AnswerReserve { get; set; } = TimeSpan.FromMilliseconds(150);

    /// <summary>Per service id overrides of <see cref="Deadline"/>.</summary>
    public Dictionary<string, TimeSpan> ServiceDeadlines { get; set; } = [];

    /// <summary>How long a late enrichment result may be served on the next hook for the same patient.</summary>
    public TimeSpan CachedResultFreshness { get; set; } = TimeSpan.FromMinutes(10);

    /// <summary>
    /// The oldest patient context precomputed by enrichment (read with the backend token at patient-view) that may fill
    /// what a hook's prefetch lacks, so the hook decides here without the bus. Default 60 s, as
    /// <c>Enrichment:OrderTimeMaxAge</c>: an order hook's safety cards never rest on older data than enrichment would use.
    /// </summary>
    public TimeSpan WarmContextMaxAge { get; set; } = TimeSpan.FromSeconds(60);

    /// <summary>Origins allowed by CORS (browser clients such as the CDS Hooks sandbox). Empty: none.</summary>
    public string[] CorsOrigins { get; set; } = [];

    /// <summary>
    /// Per service id, prefetch keys without which the service cannot answer: when neither sent nor obtainable from
    /// fhirServer, the call gets 412. Empty by default: the enrichment service fills gaps with its own backend token.
    /// </summary>
    public Dictionary<string, string[]> RequiredPrefetch { get; set; } = [];

    public TimeSpan DeadlineFor(string serviceId) => ServiceDeadlines.GetValueOrDefault(serviceId, Deadline);

    public IReadOnlyList<string> RequiredPrefetchFor(string serviceId) => RequiredPrefetch.GetValueOrDefault(serviceId) ?? [];
}
