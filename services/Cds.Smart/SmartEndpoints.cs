namespace Cds.Smart;

/// <summary>The endpoints a tenant's <c>.well-known/smart-configuration</c> names.</summary>
public sealed record SmartEndpoints(Uri Authorize, Uri Token);
