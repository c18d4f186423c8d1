using MassTransit;

namespace Cds.Contracts;

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
    /// <summary>The patient's overrides on record, read by the hooks service in its one batched read (snooze after override).</summary>
    public IReadOnlyList<OverrideSnooze> Snoozes { get; init; } = [];
    public required DateTimeOffset RequestedAt { get; init; }
    /// <summary>When the hook answers Epic; enrichment may finish later and its result is kept for the next hook.</summary>
    public required DateTimeOffset Deadline { get; init; }
}
