using MassTransit;

namespace Cds.Contracts;

/// <summary>Hooks the platform serves. The names are the CDS Hooks hook names.</summary>
public static class HookNames
{
    public const string PatientView = "patient-view";
    public const string OrderSelect = "order-select";
    public const string OrderSign = "order-sign";
}

/// <summary>
/// Hook path request (request/response over RabbitMQ with the service's deadline). Carries no tokens and no
/// names: only ids, codes and values the rules need.
/// </summary>
[MessageUrn("cds:evaluate-hook:v1")]
public sealed record EvaluateHook
{
    public required string Tenant { get; init; }
    public required string HookInstance { get; init; }
    public required string Hook { get; init; }
    public required string ServiceId { get; init; }
    public required string PatientId { get; init; }
    public string? EncounterId { get; init; }
    public string? UserId { get; init; }
    /// <summary>What the request carried (prefetch) merged with the warm context; null when nothing was known.</summary>
    public PatientContext? Context { get; init; }
    public IReadOnlyList<DraftMedication> DraftMedications { get; init; } = [];
    public required DateTimeOffset RequestedAt { get; init; }
    /// <summary>When the hook answers Epic; enrichment may finish later and its result is kept for the next hook.</summary>
    public required DateTimeOffset Deadline { get; init; }
}

/// <summary>
/// An <see cref="EvaluateHook"/> taken after its deadline (a backlog after a broker outage, a stalled worker): its hook
/// has answered, so it moves to its own queue and never delays a live hook's evaluation. Its result is recorded as late
/// and served on the patient's next hook.
/// </summary>
[MessageUrn("cds:evaluate-late-hook:v1")]
public sealed record EvaluateLateHook
{
    public required EvaluateHook Request { get; init; }
}

/// <summary>
/// Relayed from a recorded patient-view (<c>HookReceived</c>, at least once, MessageId = the event id): enrichment reads
/// the patient's order-time context with the backend token, so the coming order-select/order-sign decide in the hooks
/// process without the bus. Ids only.
/// </summary>
[MessageUrn("cds:patient-chart-opened:v1")]
public sealed record PatientChartOpened
{
    public required string Tenant { get; init; }
    public required string HookInstance { get; init; }
    public required string PatientId { get; init; }
    public required DateTimeOffset ReceivedAt { get; init; }
    public required Guid EventId { get; init; }
}

[MessageUrn("cds:hook-evaluated:v1")]
public sealed record HookEvaluated
{
    public required string Tenant { get; init; }
    public required string HookInstance { get; init; }
    public required string PatientId { get; init; }
    public required IReadOnlyList<Card> Cards { get; init; }
    public required IReadOnlyList<Finding> Findings { get; init; }
    /// <summary>Rule set id and version, e.g. "drug-allergy@3".</summary>
    public required IReadOnlyList<string> RuleVersions { get; init; }
    public required DateTimeOffset CompletedAt { get; init; }
}

/// <summary>What a rule concluded, independent of how it is shown: the event store keeps it for audit.</summary>
public sealed record Finding
{
    public required string RuleId { get; init; }
    public required string RuleVersion { get; init; }
    public required string TopicCode { get; init; }
    public required string Indicator { get; init; }
    public required string Summary { get; init; }
    public required string CardUuid { get; init; }
    /// <summary>Codes and values that triggered it (no names).</summary>
    public IReadOnlyList<string> Evidence { get; init; } = [];
    /// <summary>The tenant's write-back policy may document this finding as a note.</summary>
    public bool FlagForDocumentation { get; init; }
}

/// <summary>
/// Integration event relayed from the event store (never published directly): a clinician accepted or overrode one
/// of our cards. MessageId = the store's event id, so consumers de-duplicate on it.
/// </summary>
[MessageUrn("cds:feedback-recorded:v1")]
public sealed record FeedbackRecorded
{
    public required string Tenant { get; init; }
    public required string HookInstance { get; init; }
    public required string ServiceId { get; init; }
    public required string CardUuid { get; init; }
    public required string Outcome { get; init; }
    public IReadOnlyList<string> AcceptedSuggestions { get; init; } = [];
    public IReadOnlyList<Coding> OverrideReasons { get; init; } = [];
    public string? UserComment { get; init; }
    public required DateTimeOffset OutcomeTimestamp { get; init; }
    public required string IdempotencyKey { get; init; }
    public required string PatientId { get; init; }
    public string? TopicCode { get; init; }
    public string? Indicator { get; init; }
    public required Guid EventId { get; init; }
}
