using Cds.Contracts;
using Cds.EventStore;
using Cds.Hooks.HookServices;
using Cds.Hooks.Requests;

namespace Cds.Hooks;

/// <summary>What a hook call asks for, once authenticated, parsed and validated: its identity fields, mapped once. No tokens in here.</summary>
public sealed record HookInvocation
{
    public required string Tenant { get; init; }
    public required CdsService Service { get; init; }
    public required string HookInstance { get; init; }
    public required string PatientId { get; init; }
    public string? EncounterId { get; init; }
    public string? UserId { get; init; }
    public PatientContext? Context { get; init; }
    public IReadOnlyList<DraftMedication> DraftMedications { get; init; } = [];
    public IReadOnlyList<string> PrefetchKeys { get; init; } = [];
    public PrefetchResolved? Prefetch { get; init; }
    public EpicExtension? Epic { get; init; }
    public bool Stripped { get; init; }
    /// <summary>The caller's CDS Hooks 2.0 <c>tenant</c> JWT claim, when it sent one (recorded with HookReceived).</summary>
    public string? ClientTenant { get; init; }
    /// <summary>The call's JWT id, registered with the hook's record (the replay check); null when auth is disabled.</summary>
    public HookRecorder.HookJti? Jti { get; init; }

    /// <summary>A validated request as the pipeline runs it: ids, context and draft medications — no token, no names.</summary>
    public static HookInvocation From(HookRequest request, string tenant, CdsService service, PatientContext? context,
        PrefetchResolved? prefetch, bool stripped) => new()
    {
        Tenant = tenant,
        Service = service,
        HookInstance = request.HookInstance,
        PatientId = request.ContextData.PatientId,
        EncounterId = request.ContextData.EncounterId,
        UserId = request.ContextData.UserId,
        Context = context,
        DraftMedications = request.ContextData.DraftOrders?.Medications ?? [],
        PrefetchKeys = [.. request.Prefetch.Keys],
        Prefetch = prefetch,
        Epic = request.Extension?.ToEvent(),
        Stripped = stripped,
    };

    /// <summary>The hook's first event.</summary>
    public HookReceived ToReceived(DateTimeOffset receivedAt) => new(Tenant, HookInstance, Service.Hook, Service.Id, PatientId,
        EncounterId, UserId, receivedAt, PrefetchKeys, Epic, Stripped, ClientTenant);

    /// <summary>The hook's last event: what Epic got.</summary>
    public CardsReturned ToReturned(IReadOnlyList<Card> cards, double elapsedMs, DateTimeOffset at, string source) =>
        new(cards, elapsedMs, source != CardSources.Live, at, source, Service.Id, PatientId, EncounterId, UserId);

    /// <summary>The bus message asking enrichment to evaluate this hook.</summary>
    public EvaluateHook ToEvaluateHook(DateTimeOffset receivedAt, TimeSpan deadline, IReadOnlyList<OverrideSnooze> snoozes) => new()
    {
        Tenant = Tenant,
        HookInstance = HookInstance,
        Hook = Service.Hook,
        ServiceId = Service.Id,
        PatientId = PatientId,
        EncounterId = EncounterId,
        UserId = UserId,
        Context = Context,
        DraftMedications = DraftMedications,
        Snoozes = snoozes,
        RequestedAt = receivedAt,
        Deadline = receivedAt + deadline,
    };
}
