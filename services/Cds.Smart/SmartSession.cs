using Cds.Fhir.Smart;

namespace Cds.Smart;

/// <summary>A signed-in launch: the tokens and the context, never sent to the browser (which holds only the cookie).</summary>
public sealed class SmartSession(SmartTenant tenant, SmartEndpoints endpoints, TokenGrant grant, CardReference? card)
{
    public SmartTenant Tenant { get; } = tenant;
    public SmartEndpoints Endpoints { get; } = endpoints;
    public TokenGrant Grant { get; set; } = grant;
    public CardReference? Card { get; } = card;
    public SemaphoreSlim Refreshing { get; } = new(1, 1);
    public DateTimeOffset LastUsed { get; set; }
    public string Patient => Grant.Patient ?? "";
}
