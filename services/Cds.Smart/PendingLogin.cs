namespace Cds.Smart;

/// <summary>An authorize request on its way: bound to the browser by the login cookie, to Epic by <see cref="State"/>.</summary>
public sealed record PendingLogin(string State, SmartTenant Tenant, SmartEndpoints Endpoints, Pkce Pkce, string? CardContext, DateTimeOffset Expires);
