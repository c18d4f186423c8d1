namespace Cds.EventStore;

// One stream per hook invocation, keyed by hookInstance (per tenant: conjoined tenancy).
// Events carry ids, codes and values; never tokens.

/// <summary>
/// Epic (or another CDS client) called a hook. <see cref="PrefetchKeys"/> names what the request carried, not its content.
/// <see cref="ClientTenant"/>: the optional CDS Hooks 2.0 <c>tenant</c> claim of the caller's JWT (its opaque name of the
/// organisation; not PHI), as sent; <see cref="Tenant"/> is ours.
/// </summary>
public sealed record HookReceived(
    string Tenant,
    string HookInstance,
    string Hook,
    string ServiceId,
    string PatientId,
    string? EncounterId,
    string? UserId,
    DateTimeOffset ReceivedAt,
    IReadOnlyList<string> PrefetchKeys,
    EpicExtension? Epic = null,
    bool Stripped = false,
    string? ClientTenant = null);
