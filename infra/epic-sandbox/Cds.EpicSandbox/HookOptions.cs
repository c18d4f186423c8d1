namespace Cds.EpicSandbox;

/// <summary>Per-call choices for a hook request. Null members take Epic's usual values.</summary>
public sealed record HookOptions
{
    /// <summary>"PractitionerRole/…" (default) or "Practitioner/…".</summary>
    public string? UserId { get; init; }

    /// <summary>Encounter id; null = the patient's latest Encounter if there is one (omitted otherwise, as Epic does outside an encounter).</summary>
    public string? EncounterId { get; init; }

    public bool OmitEncounter { get; init; }

    /// <summary>Prefetch keys to send (null = <see cref="Prefetch.DefaultKeys"/>, empty = no prefetch member).</summary>
    public IReadOnlyList<string>? PrefetchKeys { get; init; }

    public bool IncludeFhirAuthorization { get; init; } = true;

    /// <summary>False = the client lacks the unsigned-order scopes: Epic sends an order hook without draftOrders.</summary>
    public bool IncludeDraftOrders { get; init; } = true;

    /// <summary>Overrides com.epic.cdshooks.request.bpa-trigger-action (60 open chart, 18 enter order, 23 sign orders, 6 problem).</summary>
    public string? BpaTriggerAction { get; init; }

    public string CriteriaId { get; init; } = "2852";

    public string EpicVersion { get; init; } = "11.3";

    /// <summary>order-select `selections` (default: every draft).</summary>
    public IReadOnlyList<string>? Selections { get; init; }
}
