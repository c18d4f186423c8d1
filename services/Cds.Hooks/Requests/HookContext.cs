namespace Cds.Hooks.Requests;

/// <summary>The context fields the three served hooks define, read from <see cref="HookRequest.Context"/>.</summary>
public sealed record HookContext
{
    public required string PatientId { get; init; }
    /// <summary><c>Practitioner/…</c>, <c>PractitionerRole/…</c> (Epic), <c>Patient/…</c> or <c>RelatedPerson/…</c>.</summary>
    public required string UserId { get; init; }
    public string? EncounterId { get; init; }
    /// <summary>order-select only: references to the entries of draftOrders the user just selected.</summary>
    public IReadOnlyList<string> Selections { get; init; } = [];
    /// <summary>The draft orders, resolved: always for order-select/order-sign; for patient-view only when sent (Epic native order triggers).</summary>
    public DraftOrderSet? DraftOrders { get; init; }

    /// <summary>The resource type part of <see cref="UserId"/> ("PractitionerRole", "Practitioner", …).</summary>
    public string UserType => UserId.Split('/')[0];
}
