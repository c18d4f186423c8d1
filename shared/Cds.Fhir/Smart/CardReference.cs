namespace Cds.Fhir.Smart;

/// <summary>What a card's SMART link names: the tenant, the hook invocation and the card. Ids only, never PHI.</summary>
public sealed record CardReference(string Tenant, string HookInstance, string CardUuid, DateTimeOffset IssuedAt);
